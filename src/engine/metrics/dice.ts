/**
 * Mean object Dice: each true object is paired with the predicted object it overlaps best and the
 * Dice coefficient `2|G ∩ S| / (|G| + |S|)` of the pair is averaged over the true objects (an
 * object overlapping nothing scores 0). The Sketchpose paper (Cazorla et al., §3.1) reports a
 * "mean DICE" without a formula and napari-sketchpose 0.1.8's evaluation code computes only AP,
 * so this is the common per-object definition (the true-object half of the object Dice of
 * Sirinukunwattana et al., "Gland segmentation in colon histology images: The GlaS challenge
 * contest", MedIA 2017, with equal weights). "Best" is by IoU, which ranks like Dice since
 * Dice = 2·IoU / (1 + IoU). False positives do not lower it: read it next to AP and AJI.
 * No true object gives 0.
 *
 * @example
 * ```ts
 * // true objects of 4 and 2 px; the first is predicted as 2 of its pixels, the second is missed
 * meanDice(
 *   { data: new Int32Array([1, 1, 1, 1, 2, 2]), shape: [1, 6] },
 *   { data: new Int32Array([1, 1, 0, 0, 0, 0]), shape: [1, 6] },
 * ); // (2·2/(4+2) + 0) / 2 = 1/3
 * ```
 */
import type { Raster } from '../types.ts';
import { type LabelPairOptions, prepareLabelPair } from './label-pair.ts';
import { bestPairPerTrueObject } from './overlap.ts';

/**
 * Dice of each true object with its best-overlapping prediction, 0 when it overlaps nothing;
 * entry `k` is the `(k+1)`-th smallest true label (the sequential order).
 */
export function objectDice(yTrue: Raster, yPred: Raster, options: LabelPairOptions = {}): Float64Array {
  const { overlap } = prepareLabelPair(yTrue, yPred, options);
  const best = bestPairPerTrueObject(overlap);
  const dice = new Float64Array(overlap.nTrue);
  for (let t = 1; t <= overlap.nTrue; t++) {
    const k = best[t]!;
    if (k < 0) continue;
    const area = overlap.trueArea[t]! + overlap.predArea[overlap.predIndex[k]!]!;
    dice[t - 1] = (2 * overlap.intersection[k]!) / area;
  }
  return dice;
}

/** Mean of {@link objectDice} over the true objects; 0 when there is none. */
export function meanDice(yTrue: Raster, yPred: Raster, options: LabelPairOptions = {}): number {
  const dice = objectDice(yTrue, yPred, options);
  if (dice.length === 0) return 0;
  let sum = 0;
  for (const d of dice) sum += d;
  return sum / dice.length;
}
