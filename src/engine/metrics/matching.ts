/**
 * Object-level detection and segmentation scores between a true and a predicted label image, with
 * the fields and semantics of StarDist's `matching` (stardist 0.9.2, `stardist/matching.py`;
 * Schmidt et al., "Cell Detection with Star-convex Polygons", MICCAI 2018; panoptic quality from
 * Kirillov et al., "Panoptic Segmentation", CVPR 2019, eq. 1).
 *
 * Objects are paired one-to-one by {@link assignObjects}; a pair is a true positive when its IoU is
 * at least τ. Then `fp = n_pred − tp`, `fn = n_true − tp` and
 *   precision = tp/(tp+fp), recall = tp/(tp+fn), accuracy ("AP" of the DSB 2018 / Sketchpose
 *   papers) = tp/(tp+fp+fn), f1 = 2tp/(2tp+fp+fn) — each 0 when tp = 0 (so two empty images give
 *   0, not 1 or NaN);
 *   mean_matched_score = Σ IoU(tp) / tp, mean_true_score = Σ IoU(tp) / n_true,
 *   panoptic_quality = Σ IoU(tp) / (tp + fp/2 + fn/2) — each 0 when its denominator is 0.
 *
 * Numerics follow StarDist under NumPy ≥ 2 so results agree to the last bit: IoUs are float32 and
 * are compared with τ rounded to float32 (an IoU of float32(0.7) is a match at τ = 0.7),
 * Σ IoU(tp) is NumPy's float32 pairwise sum ({@link float32Sum}), `mean_true_score` is rounded to
 * float32 (float32 / Python int), `mean_matched_score` and `panoptic_quality` are float64
 * (float32 / NumPy int64). With NumPy 1.x StarDist returns `mean_true_score` as float64 instead
 * (≤ 6e-8 relative difference).
 *
 * @example
 * ```ts
 * const stats = matching(yTrue, yPred, { thresh: 0.5 });
 * stats.accuracy; // AP@0.5 of this image
 * const curve = matching(yTrue, yPred, { thresh: [0.5, 0.75, 0.9], cropBorder: 0.1 });
 * ```
 */
import { ValueError } from '../errors.ts';
import type { Raster } from '../types.ts';
import { float32Sum } from './float32-sum.ts';
import { type LabelPairOptions, type PreparedLabelPair, prepareLabelPair } from './label-pair.ts';
import { assignObjects } from './object-assignment.ts';

/** StarDist's `Matching` named tuple (the `report_matches=False` fields), names kept as in Python. */
export interface MatchingStats {
  criterion: 'iou';
  thresh: number;
  fp: number;
  tp: number;
  fn: number;
  precision: number;
  recall: number;
  accuracy: number;
  f1: number;
  n_true: number;
  n_pred: number;
  mean_true_score: number;
  mean_matched_score: number;
  panoptic_quality: number;
}

export interface MatchingOptions extends LabelPairOptions {
  /** IoU threshold τ, or several (then one result per threshold, in order). @default 0.5 */
  thresh?: number | readonly number[];
}

/** Throws a ValueError unless every threshold is a finite number; returns them as a list. */
export function thresholdList(thresh: number | readonly number[]): number[] {
  const list = typeof thresh === 'number' ? [thresh] : [...thresh];
  for (const t of list) {
    if (typeof t !== 'number' || !Number.isFinite(t))
      throw new ValueError(`thresh must be finite numbers, got ${t}`);
  }
  return list;
}

/** StarDist's `precision`, `recall`, `accuracy`, `f1`: 0 whenever tp = 0. */
export function detectionRatios(
  tp: number,
  fp: number,
  fn: number,
): Pick<MatchingStats, 'precision' | 'recall' | 'accuracy' | 'f1'> {
  if (tp <= 0) return { precision: 0, recall: 0, accuracy: 0, f1: 0 };
  return {
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    accuracy: tp / (tp + fp + fn),
    f1: (2 * tp) / (2 * tp + fp + fn),
  };
}

/**
 * For τ ≤ 0 StarDist counts every assigned pair, overlapping or not, and its float32 sum runs over
 * all `min(n_true, n_pred)` assigned scores in true-object order, zeros included. Rows that no
 * overlap matched are filled in from the lowest index (scipy's choice among equal-cost fillers is
 * unspecified when n_true > n_pred, so the last float32 bit may differ there).
 */
function scoresWithFillers(
  trueIndex: Uint32Array,
  score: Float64Array,
  nTrue: number,
  nMatched: number,
): number[] {
  const out: number[] = [];
  let fillers = nMatched - trueIndex.length;
  let k = 0;
  for (let t = 1; t <= nTrue; t++) {
    if (k < trueIndex.length && trueIndex[k] === t) out.push(score[k++]!);
    else if (fillers-- > 0) out.push(0);
  }
  return out;
}

/** Scores of one prepared pair at one threshold. */
export function matchingAt(pair: PreparedLabelPair, thresh: number): MatchingStats {
  const { nTrue, nPred } = pair.overlap;
  const nMatched = Math.min(nTrue, nPred);
  let tp = 0;
  let sumMatched = 0;
  if (nMatched > 0) {
    const assigned = assignObjects(pair.overlap, pair.iou, thresh);
    // `scores >= thr` in NumPy casts the Python float τ to float32 (NEP 50)
    const tau = Math.fround(thresh);
    if (tau > 0) {
      const ok = Array.from(assigned.score).filter((s) => s >= tau);
      tp = ok.length;
      sumMatched = float32Sum(ok);
    } else {
      tp = nMatched;
      sumMatched = float32Sum(scoresWithFillers(assigned.trueIndex, assigned.score, nTrue, nMatched));
    }
  }
  const fp = nPred - tp;
  const fn = nTrue - tp;
  const pqDenominator = tp + fp / 2 + fn / 2;
  return {
    criterion: 'iou',
    thresh,
    fp,
    tp,
    fn,
    ...detectionRatios(tp, fp, fn),
    n_true: nTrue,
    n_pred: nPred,
    mean_true_score: nMatched > 0 ? Math.fround(sumMatched / nTrue) : 0,
    mean_matched_score: tp > 0 ? sumMatched / tp : 0,
    panoptic_quality: pqDenominator > 0 ? sumMatched / pqDenominator : 0,
  };
}

/**
 * StarDist's `matching(y_true, y_pred, thresh)`. Accepts any non-negative integer labels
 * (relabelled internally). Throws ShapeError when the shapes differ (naming both), DtypeError for
 * non-integer data, ValueError for negative labels, a non-finite threshold or a bad `cropBorder`.
 */
export function matching(
  yTrue: Raster,
  yPred: Raster,
  options: MatchingOptions & { thresh: readonly number[] },
): MatchingStats[];
export function matching(
  yTrue: Raster,
  yPred: Raster,
  options?: MatchingOptions & { thresh?: number },
): MatchingStats;
export function matching(
  yTrue: Raster,
  yPred: Raster,
  options: MatchingOptions = {},
): MatchingStats | MatchingStats[] {
  const thresh = options.thresh ?? 0.5;
  const list = thresholdList(thresh);
  const pair = prepareLabelPair(yTrue, yPred, options);
  const stats = list.map((t) => matchingAt(pair, t));
  return typeof thresh === 'number' ? stats[0]! : stats;
}
