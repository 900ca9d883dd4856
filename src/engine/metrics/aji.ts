/**
 * Aggregated Jaccard Index (AJI) of Kumar et al., "A Dataset and a Technique for Generalized
 * Nuclear Segmentation for Computational Pathology", IEEE TMI 36(7), 2017, Algorithm 1. The
 * Sketchpose paper (Cazorla et al., §3.1) reports AJI next to AP and mean Dice; neither the paper
 * text available to us nor napari-sketchpose 0.1.8's evaluation code spells out its formula, so
 * this is Kumar's definition:
 *
 *   for each true object G_i: S_j = the predicted object of highest IoU with G_i;
 *     C += |G_i ∩ S_j|, U += |G_i ∪ S_j|, mark S_j used;
 *   U += |S_k| for every predicted object never used;  AJI = C / U.
 *
 * Details where the paper is silent: a true object overlapping no prediction adds |G_i| to U and
 * marks nothing (the convention of HoVer-Net's `get_fast_aji`); a prediction chosen by several
 * true objects counts in each of their unions (Kumar's definition, unlike AJI+); IoU ties pick the
 * lower predicted label; two empty images give 0 (as StarDist's ratios do). Note that Cellpose's
 * `metrics.aggregated_jaccard_index` is a different quantity (matched intersections over the
 * union of foregrounds).
 *
 * @example
 * ```ts
 * // one true object of 4 px, predicted as 2 px of it plus one 1 px false positive
 * aggregatedJaccardIndex(
 *   { data: new Int32Array([1, 1, 1, 1, 0]), shape: [1, 5] },
 *   { data: new Int32Array([1, 1, 0, 0, 2]), shape: [1, 5] },
 * ); // C = 2, U = 4 + 1 = 5 → 0.4
 * ```
 */
import type { Raster } from '../types.ts';
import { type LabelPairOptions, prepareLabelPair } from './label-pair.ts';
import { bestPairPerTrueObject } from './overlap.ts';

/** AJI of one image pair (see the module doc). Throws as {@link prepareLabelPair}. */
export function aggregatedJaccardIndex(yTrue: Raster, yPred: Raster, options: LabelPairOptions = {}): number {
  const { overlap } = prepareLabelPair(yTrue, yPred, options);
  const best = bestPairPerTrueObject(overlap);
  const used = new Uint8Array(overlap.nPred + 1);
  let intersection = 0;
  let union = 0;
  for (let t = 1; t <= overlap.nTrue; t++) {
    const k = best[t]!;
    if (k < 0) {
      union += overlap.trueArea[t]!;
      continue;
    }
    const p = overlap.predIndex[k]!;
    const inter = overlap.intersection[k]!;
    intersection += inter;
    union += overlap.trueArea[t]! + overlap.predArea[p]! - inter;
    used[p] = 1;
  }
  for (let p = 1; p <= overlap.nPred; p++) if (!used[p]) union += overlap.predArea[p]!;
  return union > 0 ? intersection / union : 0;
}
