/**
 * Pixel overlaps between the objects of a true and a predicted label image, and their
 * intersection over union (IoU). StarDist (`stardist/matching.py`: `label_overlap`,
 * `intersection_over_union`) builds the dense `(1 + n_true) × (1 + n_pred)` count matrix; here
 * the overlaps are kept sparse (only pairs that share a pixel), which is what the matching needs
 * and stays small for slides with tens of thousands of objects. {@link iouMatrix} gives the dense
 * matrix when it is wanted.
 *
 * IoU values are rounded to float32 exactly as StarDist's `_safe_divide` stores them
 * (`np.divide(..., out=np.zeros(..., np.float32))`), so thresholds compare the same way.
 *
 * @example
 * ```ts
 * const iou = iouMatrix(
 *   { data: new Int32Array([1, 1, 0, 2]), shape: [2, 2] },
 *   { data: new Int32Array([1, 0, 0, 2]), shape: [2, 2] },
 * ); // shape [2, 2], data [0.5, 0, 0, 1]
 * ```
 */
import type { Raster } from '../types.ts';
import { assertSameShape } from './label-raster.ts';
import { relabelSequential } from './relabel.ts';

/** Overlaps between sequentially labelled objects `1..nTrue` and `1..nPred`. */
export interface LabelOverlap {
  nTrue: number;
  nPred: number;
  /** pixels of each true object; index 0 counts the background */
  trueArea: Float64Array;
  /** pixels of each predicted object; index 0 counts the background */
  predArea: Float64Array;
  /** pairs of objects sharing at least one pixel, sorted by true then predicted index */
  trueIndex: Uint32Array;
  predIndex: Uint32Array;
  /** shared pixel count of each pair */
  intersection: Float64Array;
}

/** Dense counting is used while the count matrix has at most this many entries (16 MiB). */
const DENSE_PAIRS_LIMIT = 1 << 22;

/** IoU of two objects rounded to float32 as StarDist stores it. */
export function intersectionOverUnion(intersection: number, areaTrue: number, areaPred: number): number {
  const union = areaTrue + areaPred - intersection;
  return union > 0 ? Math.fround(intersection / union) : 0;
}

/**
 * Counts the overlaps of two sequentially labelled rasters of the same shape (labels `1..nTrue`,
 * `1..nPred`, as {@link relabelSequential} returns them).
 */
export function labelOverlap(
  yTrue: Raster<Uint32Array>,
  nTrue: number,
  yPred: Raster<Uint32Array>,
  nPred: number,
): LabelOverlap {
  assertSameShape(yTrue, yPred, 'yTrue', 'yPred');
  const t = yTrue.data;
  const p = yPred.data;
  const trueArea = new Float64Array(nTrue + 1);
  const predArea = new Float64Array(nPred + 1);
  for (let i = 0; i < t.length; i++) {
    trueArea[t[i]!]! += 1;
    predArea[p[i]!]! += 1;
  }
  const stride = nPred + 1;
  const keys: number[] = [];
  const counts: number[] = [];
  if ((nTrue + 1) * stride <= DENSE_PAIRS_LIMIT) {
    const dense = new Uint32Array((nTrue + 1) * stride);
    for (let i = 0; i < t.length; i++) if (t[i]! !== 0 && p[i]! !== 0) dense[t[i]! * stride + p[i]!]! += 1;
    for (let k = 0; k < dense.length; k++) {
      if (dense[k] !== 0) {
        keys.push(k);
        counts.push(dense[k]!);
      }
    }
  } else {
    // key = t·(nPred+1) + p stays an exact integer below 2^53 for any image that fits in memory
    const sparse = new Map<number, number>();
    for (let i = 0; i < t.length; i++) {
      if (t[i]! !== 0 && p[i]! !== 0) {
        const key = t[i]! * stride + p[i]!;
        sparse.set(key, (sparse.get(key) ?? 0) + 1);
      }
    }
    const sorted = Float64Array.from(sparse.keys()).sort();
    for (const key of sorted) {
      keys.push(key);
      counts.push(sparse.get(key)!);
    }
  }
  const trueIndex = new Uint32Array(keys.length);
  const predIndex = new Uint32Array(keys.length);
  for (let k = 0; k < keys.length; k++) {
    trueIndex[k] = Math.floor(keys[k]! / stride);
    predIndex[k] = keys[k]! % stride;
  }
  return { nTrue, nPred, trueArea, predArea, trueIndex, predIndex, intersection: Float64Array.from(counts) };
}

/** Float32 IoU of every overlapping pair of `overlap`, in the order of its pairs. */
export function pairIous(overlap: LabelOverlap): Float64Array {
  const iou = new Float64Array(overlap.intersection.length);
  for (let k = 0; k < iou.length; k++) {
    iou[k] = intersectionOverUnion(
      overlap.intersection[k]!,
      overlap.trueArea[overlap.trueIndex[k]!]!,
      overlap.predArea[overlap.predIndex[k]!]!,
    );
  }
  return iou;
}

/**
 * Dense IoU matrix between the objects of two label images (any non-negative integer labels;
 * both are relabelled sequentially first, so row `i` is the `(i+1)`-th smallest true label and
 * column `j` the `(j+1)`-th smallest predicted one). Background is excluded: shape `[nTrue, nPred]`.
 * Throws ShapeError if the images differ in shape, DtypeError for non-integer data.
 */
export function iouMatrix(yTrue: Raster, yPred: Raster): Raster<Float32Array> {
  const t = relabelSequential(yTrue, 'yTrue');
  const p = relabelSequential(yPred, 'yPred');
  const overlap = labelOverlap(t.raster, t.count, p.raster, p.count);
  const out = new Float32Array(t.count * p.count);
  const iou = pairIous(overlap);
  for (let k = 0; k < iou.length; k++) {
    out[(overlap.trueIndex[k]! - 1) * p.count + overlap.predIndex[k]! - 1] = iou[k]!;
  }
  return { data: out, shape: [t.count, p.count] };
}

/**
 * For each true object `1..nTrue`, the pair index `k` of `overlap` with the highest IoU, or −1 when
 * the object overlaps nothing (index 0 unused). IoUs are compared in float64 so that objects whose
 * float32 IoUs round alike still rank by their exact values; ties keep the lower predicted label.
 */
export function bestPairPerTrueObject(overlap: LabelOverlap): Int32Array {
  const best = new Int32Array(overlap.nTrue + 1).fill(-1);
  const bestIou = new Float64Array(overlap.nTrue + 1).fill(-1);
  for (let k = 0; k < overlap.intersection.length; k++) {
    const t = overlap.trueIndex[k]!;
    const inter = overlap.intersection[k]!;
    const iou = inter / (overlap.trueArea[t]! + overlap.predArea[overlap.predIndex[k]!]! - inter);
    if (iou > bestIou[t]!) {
      bestIou[t] = iou;
      best[t] = k;
    }
  }
  return best;
}
