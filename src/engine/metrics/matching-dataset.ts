/**
 * Scores over a set of image pairs, as StarDist's `matching_dataset` (stardist/matching.py,
 * `matching_dataset_lazy`) computes them from the per-image {@link matching} results:
 *
 * - `byImage: false` (StarDist's default, "pooled"): tp, fp, fn, n_true and n_pred are summed over
 *   images, the summed IoU of true positives is rebuilt as Σ mean_true_score·n_true, and every
 *   ratio is recomputed from the sums — one large image weighs more than a small one.
 * - `byImage: true` (Sketchpose's AP, paper §3.1): precision, recall, accuracy, f1 and the three
 *   score means are averaged over images; tp, fp, fn, n_true and n_pred are still sums.
 *
 * Float32 steps as in StarDist under NumPy ≥ 2: the pooled score sum and the by-image mean of
 * mean_true_score accumulate in float32 and mean_true_score is rounded to float32; the others are
 * float64. An empty list throws (StarDist fails on it too).
 *
 * @example
 * ```ts
 * const ap = matchingDataset(trues, preds, { thresh: 0.5, byImage: true, cropBorder: 0.1 }).accuracy;
 * ```
 */
import { ValueError } from '../errors.ts';
import type { Raster } from '../types.ts';
import { prepareLabelPair } from './label-pair.ts';
import {
  detectionRatios,
  type MatchingOptions,
  type MatchingStats,
  matchingAt,
  thresholdList,
} from './matching.ts';

/** StarDist's `DatasetMatching` named tuple. */
export interface DatasetMatchingStats extends MatchingStats {
  by_image: boolean;
}

export interface MatchingDatasetOptions extends MatchingOptions {
  /** average per-image ratios (true) or pool the counts first (false). @default false */
  byImage?: boolean;
}

const f32 = Math.fround;

function sumCounts(stats: readonly MatchingStats[]) {
  const sums = { tp: 0, fp: 0, fn: 0, n_true: 0, n_pred: 0 };
  for (const s of stats) {
    sums.tp += s.tp;
    sums.fp += s.fp;
    sums.fn += s.fn;
    sums.n_true += s.n_true;
    sums.n_pred += s.n_pred;
  }
  return sums;
}

function pooled(stats: readonly MatchingStats[], thresh: number): DatasetMatchingStats {
  const { tp, fp, fn, n_true, n_pred } = sumCounts(stats);
  let sumMatched = 0; // float32 in StarDist: acc + mean_true_score * n_true
  for (const s of stats) sumMatched = f32(sumMatched + f32(s.mean_true_score * s.n_true));
  const pqDenominator = tp + fp / 2 + fn / 2;
  return {
    criterion: 'iou',
    thresh,
    fp,
    tp,
    fn,
    ...detectionRatios(tp, fp, fn),
    n_true,
    n_pred,
    mean_true_score: n_true > 0 ? f32(sumMatched / n_true) : 0,
    mean_matched_score: tp > 0 ? sumMatched / tp : 0,
    panoptic_quality: pqDenominator > 0 ? sumMatched / pqDenominator : 0,
    by_image: false,
  };
}

function byImage(stats: readonly MatchingStats[], thresh: number): DatasetMatchingStats {
  const n = stats.length;
  let precision = 0;
  let recall = 0;
  let accuracy = 0;
  let f1 = 0;
  let meanTrue = 0; // float32 accumulator, as mean_true_score is float32 per image
  let meanMatched = 0;
  let pq = 0;
  for (const s of stats) {
    precision += s.precision;
    recall += s.recall;
    accuracy += s.accuracy;
    f1 += s.f1;
    meanTrue = f32(meanTrue + s.mean_true_score);
    meanMatched += s.mean_matched_score;
    pq += s.panoptic_quality;
  }
  return {
    criterion: 'iou',
    thresh,
    ...sumCounts(stats),
    precision: precision / n,
    recall: recall / n,
    accuracy: accuracy / n,
    f1: f1 / n,
    mean_true_score: f32(meanTrue / n),
    mean_matched_score: meanMatched / n,
    panoptic_quality: pq / n,
    by_image: true,
  };
}

/**
 * StarDist's `matching_dataset(y_true, y_pred, thresh, by_image)`. Throws ValueError when the two
 * lists differ in length or are empty, and whatever {@link matching} throws for a pair (the
 * message names the pair's index).
 */
export function matchingDataset(
  trues: readonly Raster[],
  preds: readonly Raster[],
  options: MatchingDatasetOptions & { thresh: readonly number[] },
): DatasetMatchingStats[];
export function matchingDataset(
  trues: readonly Raster[],
  preds: readonly Raster[],
  options?: MatchingDatasetOptions & { thresh?: number },
): DatasetMatchingStats;
export function matchingDataset(
  trues: readonly Raster[],
  preds: readonly Raster[],
  options: MatchingDatasetOptions = {},
): DatasetMatchingStats | DatasetMatchingStats[] {
  if (trues.length !== preds.length) {
    throw new ValueError(
      `trues (${trues.length} images) and preds (${preds.length} images) differ in length`,
    );
  }
  if (trues.length === 0) throw new ValueError('matchingDataset needs at least one image pair');
  const thresh = options.thresh ?? 0.5;
  const list = thresholdList(thresh);
  // perImage[i][k]: image i at threshold k
  const perImage = trues.map((yTrue, i) => {
    let pair: ReturnType<typeof prepareLabelPair>;
    try {
      pair = prepareLabelPair(yTrue, preds[i]!, options);
    } catch (err) {
      if (err instanceof Error) err.message = `image pair ${i}: ${err.message}`;
      throw err;
    }
    return list.map((t) => matchingAt(pair, t));
  });
  const results = list.map((t, k) => {
    const stats = perImage.map((row) => row[k]!);
    return options.byImage ? byImage(stats, t) : pooled(stats, t);
  });
  return typeof thresh === 'number' ? results[0]! : results;
}
