/**
 * BatchNorm folding for export (eval mode only). An eval-mode `BatchNorm2d` is the per-channel
 * affine map `y = s·x + t` with `s = γ / √(running_var + ε)` and `t = β − running_mean·s`
 * (ε = 1e-5, blocks.ts `BN_EPS`). That map can be absorbed, exactly up to float32 rounding, by a
 * neighbouring linear operation:
 * - into the *preceding* conv when the BN is that conv's only consumer (`foldIntoConvOutput`):
 *   `W'[o,…] = s_o·W[o,…]`, `b'_o = s_o·b_o + t_o`;
 * - into a *following* 1×1 conv, which has no zero padding to disturb (`foldIntoConvInput`):
 *   `W'[o,i] = s_i·W[o,i]`, `b'_o = b_o + Σ_i W[o,i]·t_i` (a 3×3 conv would be wrong at the border,
 *   where its zero padding lives in the normalised space);
 * - into the style `Linear` whose output is added to the BN's input (`foldIntoLinearOutput`):
 *   `BN(a + Wᵀz + b) = s·a + ((s·W)ᵀz + s·b + t)`, leaving only `s·a` to compute.
 * Arithmetic is in float64; results are rounded to float32 once. Pure functions on typed arrays.
 */
import { ValueError } from '../errors.ts';
import { BN_EPS } from '../model/blocks.ts';

/** A per-channel affine map `y = scale·x + shift`. */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/** Conv weights in ONNX layout `[out, in, kh, kw]` with their bias `[out]`. */
export interface ConvParams {
  weight: Float32Array;
  bias: Float32Array;
  out: number;
  in: number;
  k: number;
}

/** The eval-mode affine map of a BatchNorm from its four tensors. */
export function batchNormAffine(
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps = BN_EPS,
): ChannelAffine {
  const c = gamma.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i]! / Math.sqrt(variance[i]! + eps);
    shift[i] = beta[i]! - mean[i]! * scale[i]!;
  }
  return { scale, shift };
}

/** The scale part of `a` only (`shift` = 0): for a BN whose shift is folded elsewhere. */
export function scaleOnly(a: ChannelAffine): ChannelAffine {
  return { scale: a.scale, shift: new Float64Array(a.scale.length) };
}

/** `affine(conv(x))` as one conv: each output channel scaled and shifted. */
export function foldIntoConvOutput(conv: ConvParams, a: ChannelAffine): ConvParams {
  const per = conv.in * conv.k * conv.k;
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(conv.out);
  for (let o = 0; o < conv.out; o++) {
    const s = a.scale[o]!;
    for (let j = o * per; j < (o + 1) * per; j++) weight[j] = conv.weight[j]! * s;
    bias[o] = conv.bias[o]! * s + a.shift[o]!;
  }
  return { ...conv, weight, bias };
}

/** `conv(affine(x))` as one conv, for a 1×1 conv (no padding). */
export function foldIntoConvInput(conv: ConvParams, a: ChannelAffine): ConvParams {
  if (conv.k !== 1)
    throw new ValueError(`only a 1×1 conv absorbs a BN on its input, got ${conv.k}×${conv.k}`);
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(conv.out);
  for (let o = 0; o < conv.out; o++) {
    let b = conv.bias[o]!;
    for (let i = 0; i < conv.in; i++) {
      const w = conv.weight[o * conv.in + i]!;
      weight[o * conv.in + i] = w * a.scale[i]!;
      b += w * a.shift[i]!;
    }
    bias[o] = b;
  }
  return { ...conv, weight, bias };
}

/**
 * `affine(z·W + b)` for a Linear in this engine's layout (`W` is `[in, out]`, layout.ts), i.e.
 * `W'[i,o] = s_o·W[i,o]`, `b'_o = s_o·b_o + t_o`.
 */
export function foldIntoLinearOutput(
  weight: Float32Array,
  bias: Float32Array,
  a: ChannelAffine,
): { weight: Float32Array; bias: Float32Array } {
  const out = bias.length;
  const w = new Float32Array(weight.length);
  for (let j = 0; j < weight.length; j++) w[j] = weight[j]! * a.scale[j % out]!;
  const b = new Float32Array(out);
  for (let o = 0; o < out; o++) b[o] = bias[o]! * a.scale[o]! + a.shift[o]!;
  return { weight: w, bias: b };
}
