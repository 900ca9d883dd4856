/**
 * The building blocks of Omnipose's CPnet (cellpose_omni/resnet_torch.py), written as functions of
 * NHWC tensors and a parameter lookup by PyTorch state_dict key (layout.ts). Each function names the
 * PyTorch module it reproduces. Called inside the caller's `tidy`.
 */
import {
  add,
  batchNorm,
  customGrad,
  div,
  fused,
  image,
  matMul,
  maxPool,
  mean,
  moments,
  mul,
  relu,
  reshape,
  sqrt,
  square,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.ts';

/** PyTorch BatchNorm2d defaults as Omnipose constructs them (`nn.BatchNorm2d(c, eps=1e-5)`). */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** What the blocks need from the network: its tensors by key, the mode, and a way to set buffers. */
export interface ForwardContext {
  param(key: string): Tensor;
  training: boolean;
  /** Replace a non-trainable buffer (BN running statistics, batch counter) by `value`. */
  setBuffer(key: string, value: Tensor): void;
}

/**
 * `nn.BatchNorm2d` over NHWC. Eval: running statistics. Train: batch mean and biased variance
 * normalise, and the buffers move as PyTorch's do (momentum 0.1, *unbiased* variance):
 * `running ← (1 − m)·running + m·batch`, `num_batches_tracked += 1`.
 */
export function batchNorm2d(ctx: ForwardContext, prefix: string, x: Tensor4D): Tensor4D {
  const gamma = ctx.param(`${prefix}.weight`) as Tensor1D;
  const beta = ctx.param(`${prefix}.bias`) as Tensor1D;
  if (!ctx.training) {
    const rm = ctx.param(`${prefix}.running_mean`) as Tensor1D;
    const rv = ctx.param(`${prefix}.running_var`) as Tensor1D;
    return batchNorm(x, rm, rv, beta, gamma, BN_EPS);
  }
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    throw new ValueError(
      `BatchNorm ${prefix} in training needs more than 1 value per channel, got [${x.shape}]`,
    );
  }
  const stats = moments(x, [0, 1, 2]);
  const m = BN_MOMENTUM;
  const unbiased = mul(stats.variance, count / (count - 1));
  const moved = (key: string, batch: Tensor) => add(mul(ctx.param(key), 1 - m), mul(batch, m));
  ctx.setBuffer(`${prefix}.running_mean`, moved(`${prefix}.running_mean`, stats.mean));
  ctx.setBuffer(`${prefix}.running_var`, moved(`${prefix}.running_var`, unbiased));
  ctx.setBuffer(`${prefix}.num_batches_tracked`, add(ctx.param(`${prefix}.num_batches_tracked`), 1));
  return batchNorm(x, stats.mean as Tensor1D, stats.variance as Tensor1D, beta, gamma, BN_EPS);
}

/** `nn.Conv2d(k, padding=k//2)` with bias: stride 1, "same". */
export function conv2d(ctx: ForwardContext, prefix: string, x: Tensor4D): Tensor4D {
  return fused.conv2d({
    x,
    filter: ctx.param(`${prefix}.weight`) as Tensor4D,
    bias: ctx.param(`${prefix}.bias`),
    strides: 1,
    pad: 'same',
  });
}

/** `batchconv`: BatchNorm → ReLU → Conv (keys `.0` and `.2`). */
export function batchConv(ctx: ForwardContext, prefix: string, x: Tensor4D): Tensor4D {
  return conv2d(ctx, `${prefix}.2`, relu(batchNorm2d(ctx, `${prefix}.0`, x)));
}

/** `batchconv0`, the residual shortcut: BatchNorm → 1×1 Conv, no ReLU (keys `.0` and `.1`). */
export function batchConvShortcut(ctx: ForwardContext, prefix: string, x: Tensor4D): Tensor4D {
  return conv2d(ctx, `${prefix}.1`, batchNorm2d(ctx, `${prefix}.0`, x));
}

/**
 * `batchconvstyle` (concatenation off): `Linear(style)` is broadcast over the pixels and added to
 * the input *before* its BatchNorm → ReLU → Conv (keys `.full` and `.conv`).
 */
export function batchConvStyle(ctx: ForwardContext, prefix: string, style: Tensor2D, x: Tensor4D): Tensor4D {
  const w = ctx.param(`${prefix}.full.weight`) as Tensor2D;
  const feat = add(matMul(style, w), ctx.param(`${prefix}.full.bias`));
  const [n, , , c] = x.shape;
  return batchConv(ctx, `${prefix}.conv`, add(x, reshape(feat, [n, 1, 1, c])));
}

/** `resdown`: `x = proj(x) + c1(c0(x)); x = x + c3(c2(x))`. */
export function resDown(ctx: ForwardContext, prefix: string, x: Tensor4D): Tensor4D {
  const c = (t: number, y: Tensor4D) => batchConv(ctx, `${prefix}.conv.conv_${t}`, y);
  const y = add<Tensor4D>(batchConvShortcut(ctx, `${prefix}.proj`, x), c(1, c(0, x)));
  return add(y, c(3, c(2, y)));
}

/**
 * `resup`: the skip is added after the first conv, the style enters the three later ones:
 * `x = proj(x) + c1(style, c0(x) + skip); x = x + c3(style, c2(style, x))`.
 */
export function resUp(
  ctx: ForwardContext,
  prefix: string,
  x: Tensor4D,
  skip: Tensor4D,
  style: Tensor2D,
): Tensor4D {
  const cs = (t: number, y: Tensor4D) => batchConvStyle(ctx, `${prefix}.conv.conv_${t}`, style, y);
  const first = add<Tensor4D>(batchConv(ctx, `${prefix}.conv.conv_0`, x), skip);
  const y = add<Tensor4D>(batchConvShortcut(ctx, `${prefix}.proj`, x), cs(1, first));
  return add(y, cs(3, cs(2, y)));
}

/** `make_style`: global average pool, then divide by the L2 norm (no epsilon, as Omnipose). */
export function makeStyle(x: Tensor4D): Tensor2D {
  const pooled = mean(x, [1, 2]) as Tensor2D;
  return div(pooled, sqrt(sum(square(pooled), 1, true)));
}

/** `nn.MaxPool2d(2)`. */
export function maxPool2(x: Tensor4D): Tensor4D {
  return maxPool(x, 2, 2, 'valid');
}

/**
 * `nn.Upsample(scale_factor=2, mode='nearest')`: output pixel (r, c) copies input (⌊r/2⌋, ⌊c/2⌋).
 * The gradient (the sum of each 2×2 block) is our own: tfjs-backend-cpu 4.22's
 * `ResizeNearestNeighborGrad` indexes `dy` with the input's batch stride, so it is wrong for every
 * batch item after the first.
 */
export const upsample2: (x: Tensor4D) => Tensor4D = customGrad<Tensor4D>((...inputs) => {
  const x = inputs[0] as Tensor4D;
  const [n, h, w, c] = x.shape;
  return {
    value: image.resizeNearestNeighbor(x, [2 * h, 2 * w], false, false),
    gradFunc: (dy: Tensor4D) => reshape(sum(reshape(dy, [n * h, 2, w, 2, c]), [1, 3]), [n, h, w, c]),
  };
});
