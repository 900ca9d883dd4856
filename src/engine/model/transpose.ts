/**
 * Conversions between PyTorch's tensor layouts and this engine's TensorFlow.js layouts
 * (see layout.ts): conv weights `[out, in, kh, kw]` ↔ `[kh, kw, in, out]`, Linear weights
 * `[out, in]` ↔ `[in, out]`. Pure functions on typed arrays, so importers and tests can use them
 * without a TensorFlow.js backend.
 */
import type { ParamSpec } from './layout.ts';

/** PyTorch `[out, in, kh, kw]` (C order) → `[kh, kw, in, out]`. */
export function convTorchToTfjs(
  src: Float32Array,
  out: number,
  inp: number,
  kh: number,
  kw: number,
): Float32Array {
  const dst = new Float32Array(src.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inp; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          dst[((y * kw + x) * inp + i) * out + o] = src[((o * inp + i) * kh + y) * kw + x]!;
        }
      }
    }
  }
  return dst;
}

/** `[kh, kw, in, out]` → PyTorch `[out, in, kh, kw]`. */
export function convTfjsToTorch(
  src: Float32Array,
  kh: number,
  kw: number,
  inp: number,
  out: number,
): Float32Array {
  const dst = new Float32Array(src.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inp; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          dst[((o * inp + i) * kh + y) * kw + x] = src[((y * kw + x) * inp + i) * out + o]!;
        }
      }
    }
  }
  return dst;
}

/** Transpose of a row-major `[rows, cols]` matrix. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  return dst;
}

/** Data of a tensor given in PyTorch layout, rearranged into `spec`'s layout. */
export function fromTorchLayout(spec: ParamSpec, data: Float32Array): Float32Array {
  const t = spec.torchShape;
  if (spec.kind === 'convWeight') return convTorchToTfjs(data, t[0]!, t[1]!, t[2]!, t[3]!);
  if (spec.kind === 'linearWeight') return transpose2d(data, t[0]!, t[1]!);
  return data;
}

/** Data of a tensor in `spec`'s layout, rearranged into PyTorch's layout (for export). */
export function toTorchLayout(spec: ParamSpec, data: Float32Array): Float32Array {
  const s = spec.shape;
  if (spec.kind === 'convWeight') return convTfjsToTorch(data, s[0]!, s[1]!, s[2]!, s[3]!);
  if (spec.kind === 'linearWeight') return transpose2d(data, s[0]!, s[1]!);
  return data;
}
