/**
 * Differentiable bilinear sampling of a batch of scalar planes at fractional (row, col) positions,
 * by gathering the four neighbouring pixels and weighting them (as torchvf's
 * `bilinear_interpolation_batched`, which the Euler loss of Omnipose 0.4 uses; ALGORITHM.md §5).
 *
 * Positions are clamped to the patch `[0, H−1] × [0, W−1]` before sampling, as torchvf clips them.
 * Two torchvf bugs are not copied: its flat index `y·H + x` (right only for square patches) is
 * `row·W + col` here, and nothing assumes a vector's channel 0 is x: each plane (dy, dx) is sampled
 * on its own at positions given explicitly as rows and columns.
 *
 * Gradients are those autograd gives torchvf's formula: w.r.t. the plane, each corner receives its
 * bilinear weight times the incoming gradient (a scatter-add); w.r.t. the positions, the partial
 * derivatives of the interpolant (`bottom − top` along rows, the row-blend of `right − left` along
 * columns), zero where the position was clamped (outside the patch, the clamp is flat). They are
 * written by hand in a `customGrad` because the integer indices derive from the positions and
 * TensorFlow.js refuses to back-propagate into a gather's int32 indices. The scatter-add is a
 * `scatterND` (duplicates summed): O(points) on cpu and webgpu (atomics), where the gather
 * gradient's `unsortedSegmentSum` makes one pass per pixel on cpu (hopeless for a 224² batch);
 * on webgl both cost O(pixels × points).
 *
 * Everything is rank 1 (`[N·H·W]` planes, `[M]` points): TensorFlow.js's cpu kernels take a fast
 * path only for operands of equal shape or scalars, and are ~100× slower when broadcasting.
 *
 * @example
 *   // plane [N·H·W], rows/cols [M] float32, offsets [M] int32 (b·H·W of each point's sample)
 *   const v = bilinearSample(plane, rows, cols, pointOffsets(n, k, h, w), [n, h, w]);
 */
import {
  add,
  cast,
  clipByValue,
  concat,
  customGrad,
  floor,
  type GradSaveFunc,
  gather,
  greaterEqual,
  lessEqual,
  logicalAnd,
  minimum,
  mul,
  reshape,
  scalar,
  scatterND,
  sub,
  type Tensor,
  type Tensor1D,
  tensor1d,
} from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors.ts';

type Shape = [number, number, number];

/** `[N·K]` int32: `b·H·W` for point i of sample b = ⌊i / K⌋ (points stored sample by sample). */
export function pointOffsets(n: number, k: number, h: number, w: number): Tensor1D {
  const out = new Int32Array(n * k);
  for (let b = 0; b < n; b++) out.fill(b * h * w, b * k, (b + 1) * k);
  return tensor1d(out, 'int32');
}

/** `row·W + col + offset` → int32 (rows/cols float holding integers). */
function flatIndex(row: Tensor, col: Tensor, w: number, offsets: Tensor): Tensor1D {
  return add(add(mul(cast(row, 'int32'), scalar(w, 'int32')), cast(col, 'int32')), offsets);
}

/** 1 (float32) where `0 ≤ x ≤ hi`. */
function inRange(x: Tensor, hi: number): Tensor {
  return cast(logicalAnd(greaterEqual(x, 0), lessEqual(x, hi)), 'float32');
}

/** Corner indices (00, 01, 10, 11), fractional parts and where the clamp was inactive. */
function corners(rows: Tensor, cols: Tensor, offsets: Tensor, [, h, w]: Shape) {
  const r = clipByValue(rows, 0, h - 1);
  const c = clipByValue(cols, 0, w - 1);
  const r0 = floor(r);
  const c0 = floor(c);
  const r1 = minimum(add(r0, 1), h - 1);
  const c1 = minimum(add(c0, 1), w - 1);
  return {
    index: [
      flatIndex(r0, c0, w, offsets),
      flatIndex(r0, c1, w, offsets),
      flatIndex(r1, c0, w, offsets),
      flatIndex(r1, c1, w, offsets),
    ],
    fr: sub(r, r0),
    fc: sub(c, c0),
    rowFree: inRange(rows, h - 1),
    colFree: inRange(cols, w - 1),
  };
}

/**
 * Samples `plane` (`[N·H·W]`, sample b's pixel (r, c) at `b·H·W + r·W + c`) at float32 positions
 * `rows`, `cols` (`[M]`, pixels of the patch of the sample `offsets` (`[M]` int32, from
 * `pointOffsets`) points to). Returns `[M]`; differentiable w.r.t. `plane`, `rows` and `cols`.
 */
export function bilinearSample(
  plane: Tensor1D,
  rows: Tensor1D,
  cols: Tensor1D,
  offsets: Tensor1D,
  shape: Shape,
): Tensor1D {
  const [n, h, w] = shape;
  const m = rows.shape[0];
  if (plane.shape[0] !== n * h * w || cols.shape[0] !== m || offsets.shape[0] !== m) {
    throw new ShapeError(
      `bilinearSample: plane [${plane.shape}], rows [${rows.shape}], cols [${cols.shape}], offsets ` +
        `[${offsets.shape}] do not fit shape [${shape}] (want [N·H·W] and three [M])`,
    );
  }
  const sample = customGrad((...inputs: (Tensor | GradSaveFunc)[]) => {
    const [p, r, c, save] = inputs as [Tensor1D, Tensor1D, Tensor1D, GradSaveFunc];
    const k = corners(r, c, offsets, shape);
    const [v00, v01, v10, v11] = k.index.map((i) => gather(p, i)) as [Tensor, Tensor, Tensor, Tensor];
    const top = add(v00, mul(sub(v01, v00), k.fc));
    const bottom = add(v10, mul(sub(v11, v10), k.fc));
    // offsets comes from the caller's scope, which may be disposed before the backward pass:
    // saving it keeps a copy alive for gradFunc (closing over it fails on wasm)
    save([p, r, c, offsets]);
    return {
      value: add(top, mul(sub(bottom, top), k.fr)) as Tensor1D,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [ps, rs, cs, os] = saved as [Tensor1D, Tensor1D, Tensor1D, Tensor1D];
        const g = corners(rs, cs, os, shape);
        const [g00, g01, g10, g11] = g.index.map((i) => gather(ps, i)) as [Tensor, Tensor, Tensor, Tensor];
        const [ur, uc] = [sub(1, g.fr), sub(1, g.fc)];
        // scatter-add of weight·dy into the four corners, duplicates summed
        const updates = concat(
          [mul(ur, uc), mul(ur, g.fc), mul(g.fr, uc), mul(g.fr, g.fc)].map((wj) => mul(dy, wj)),
        );
        const dPlane = scatterND(reshape(concat(g.index), [-1, 1]), updates, [n * h * w]);
        const topS = add(g00, mul(sub(g01, g00), g.fc));
        const bottomS = add(g10, mul(sub(g11, g10), g.fc));
        const dRow = mul(mul(dy, sub(bottomS, topS)), g.rowFree);
        const slope = add(mul(sub(g01, g00), ur), mul(sub(g11, g10), g.fr));
        const dCol = mul(mul(dy, slope), g.colFree);
        return [dPlane, dRow, dCol];
      },
    };
  });
  return sample(plane, rows, cols) as Tensor1D;
}

/**
 * 1 where a position's nearest pixel (`⌊x + 0.5⌋` per axis) lies in the patch and has `mask` 1,
 * else 0. `mask` is `[N·H·W]` 0/1 float32, `rows`/`cols`/`offsets` `[M]`; returns `[M]`. A
 * membership test without gradient (only applied to target trajectories). Nearest pixel rather
 * than the clamp box `[0, H−1]`, so padding a patch with unmasked pixels changes no answer.
 */
export function insideMask(
  mask: Tensor1D,
  rows: Tensor1D,
  cols: Tensor1D,
  offsets: Tensor1D,
  shape: Shape,
): Tensor1D {
  const [, h, w] = shape;
  const r = floor(add(rows, 0.5));
  const c = floor(add(cols, 0.5));
  const inPatch = mul(inRange(r, h - 1), inRange(c, w - 1));
  const index = flatIndex(clipByValue(r, 0, h - 1), clipByValue(c, 0, w - 1), w, offsets);
  return mul(gather(mask, index), inPatch);
}
