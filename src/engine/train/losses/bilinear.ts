/**
 * Differentiable bilinear sampling of a batch of fields at fractional (row, col) positions, by
 * gathering the four neighbouring pixels and weighting them (as torchvf's
 * `bilinear_interpolation_batched`, which the Euler loss of Omnipose 0.4 uses; ALGORITHM.md §5).
 *
 * Positions are clamped to the patch `[0, H−1] × [0, W−1]` before sampling, as torchvf clips them.
 * Two torchvf bugs are not copied: its flat index `y·H + x` (right only for square patches) is
 * `row·W + col` here, and nothing here assumes the vector's channel 0 is x: the caller's field is
 * sampled channel for channel and the positions are explicitly (row, col).
 *
 * Gradients: w.r.t. the field through the gather (the four weights), and w.r.t. the positions
 * through the fractional parts `row − ⌊row⌋`, `col − ⌊col⌋` (⌊·⌋ has zero gradient; the clamp passes
 * the gradient inside the patch and blocks it outside), exactly as autograd does in torchvf.
 *
 * @example
 *   // field [N·H·W, 2] (a flow reshaped), points [N, K, 2] (row, col) → [N, K, 2]
 *   const v = bilinearSample(reshape(flow, [n * h * w, 2]), points, [n, h, w]);
 */
import {
  add,
  cast,
  clipByValue,
  floor,
  gather,
  greaterEqual,
  lessEqual,
  logicalAnd,
  minimum,
  mul,
  range,
  reshape,
  split,
  sub,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
} from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors.ts';

/** `[N, 1, 1]` int32 offsets `b·H·W` of each sample's pixels in a flattened `[N·H·W, C]` field. */
function batchOffsets(n: number, h: number, w: number): Tensor3D {
  return reshape(mul(range(0, n, 1, 'int32'), h * w), [n, 1, 1]);
}

/** `row·W + col + b·H·W` for int32 rows/cols `[N, K, 1]` → `[N, K]`. */
function flatIndex(row: Tensor, col: Tensor, w: number, offsets: Tensor3D): Tensor2D {
  const [n, k] = row.shape as [number, number, number];
  return reshape(add(add(mul(row, w), col), offsets), [n, k]);
}

/**
 * Samples `field` (`[N·H·W, C]`, sample b's pixel (r, c) at row `b·H·W + r·W + c`) at the float32
 * positions `points` (`[N, K, 2]`, (row, col) in pixels of sample b's patch). Returns `[N, K, C]`.
 */
export function bilinearSample(field: Tensor2D, points: Tensor3D, shape: [number, number, number]): Tensor3D {
  const [n, h, w] = shape;
  if (field.shape[0] !== n * h * w || points.shape[0] !== n || points.shape[2] !== 2) {
    throw new ShapeError(
      `bilinearSample: field [${field.shape}] and points [${points.shape}] do not fit shape [${shape}] ` +
        '(want field [N·H·W, C], points [N, K, 2])',
    );
  }
  const [rowsRaw, colsRaw] = split(points, 2, 2) as [Tensor3D, Tensor3D];
  const rows = clipByValue(rowsRaw, 0, h - 1);
  const cols = clipByValue(colsRaw, 0, w - 1);
  const r0f = floor(rows);
  const c0f = floor(cols);
  const fr = sub(rows, r0f);
  const fc = sub(cols, c0f);
  const r0 = cast(r0f, 'int32');
  const c0 = cast(c0f, 'int32');
  const r1 = minimum(add(r0, 1), h - 1);
  const c1 = minimum(add(c0, 1), w - 1);
  const offsets = batchOffsets(n, h, w);
  const at = (r: Tensor, c: Tensor): Tensor3D => gather(field, flatIndex(r, c, w, offsets));
  const top = add(mul(at(r0, c0), sub(1, fc)), mul(at(r0, c1), fc));
  const bottom = add(mul(at(r1, c0), sub(1, fc)), mul(at(r1, c1), fc));
  return add(mul(top, sub(1, fr)), mul(bottom, fr));
}

/**
 * 1 where a position lies in the patch (`[0, H−1] × [0, W−1]`) and its nearest pixel
 * (`⌊x + 0.5⌋`) has `mask` 1, else 0. `mask` is `[N·H·W]` 0/1 float32; `points` `[N, K, 2]`.
 * Returns `[N, K, 1]`; not differentiated (a membership test).
 */
export function insideMask(mask: Tensor, points: Tensor3D, shape: [number, number, number]): Tensor3D {
  const [n, h, w] = shape;
  const [rows, cols] = split(points, 2, 2) as [Tensor3D, Tensor3D];
  const inPatch = logicalAnd(
    logicalAnd(greaterEqual(rows, 0), lessEqual(rows, h - 1)),
    logicalAnd(greaterEqual(cols, 0), lessEqual(cols, w - 1)),
  );
  const r = cast(floor(add(clipByValue(rows, 0, h - 1), 0.5)), 'int32');
  const c = cast(floor(add(clipByValue(cols, 0, w - 1), 0.5)), 'int32');
  const inMask = reshape(gather(mask, flatIndex(r, c, w, batchOffsets(n, h, w))), [n, points.shape[1], 1]);
  return mul(inMask, cast(inPatch, 'float32'));
}
