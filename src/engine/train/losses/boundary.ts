/**
 * Boundary term `ℓB` (paper eqs. 3-16, ALGORITHM.md §1): binary cross-entropy with logits between
 * the predicted boundary logit `b` and the target `b*` (1 on B = B_manual ∪ B01, 0 elsewhere on the
 * strokes), averaged over S0 ∪ S1 ∪ B (`masks.boundaryLoss`). Paper λ = 10 (Omnipose 0.4's own code
 * puts 2 on its boundary BCE; the weight is a `sketchposeLoss` option). Not weighted by ρ: the paper's
 * table weights only the distance, flow and inequality terms, and Omnipose's boundary BCE is
 * unweighted too.
 *
 * Per pixel `BCE(b, t) = softplus(b) − b·t`, which equals `max(b, 0) − b·t + log(1 + e^−|b|)` and is
 * what torch's `BCEWithLogitsLoss` computes. Written with `softplus` because its gradient is exactly
 * `σ(b) − t` everywhere; the `max/abs` form has the wrong subgradient at b = 0 (−t instead of
 * 1/2 − t), which a zero-initialised head hits on its first step. Its minimum over b is 0 when t is
 * 0 or 1 (approached as b → ∓∞).
 */
import { mul, type Scalar, softplus, sub, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import { checkPrediction, maskedMean, predictedBoundaryLogit } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

/** Per-pixel BCE with logits `softplus(b) − b·t`, same shape as `logits`. */
export function bceWithLogits(logits: Tensor4D, targets: Tensor4D): Tensor4D {
  return sub(softplus(logits), mul(logits, targets));
}

/** `ℓB`: mean BCE with logits over `masks.boundaryLoss`, a scalar (0 for an empty set). */
export function boundaryLoss(prediction: Tensor4D, batch: TargetBatch): Scalar {
  checkPrediction(prediction, batch, 'boundaryLoss');
  return tidy(() =>
    maskedMean(bceWithLogits(predictedBoundaryLogit(prediction), batch.boundary), batch.masks.boundaryLoss),
  );
}
