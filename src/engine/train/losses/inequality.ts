/**
 * Inequality term `ℓineq` (paper eq. 16, ALGORITHM.md §1): `ReLU(d_CB − d)² ρ` averaged over the
 * cell strokes outside D (`masks.inequality`). Theorem 1 gives `d_CB(x) ≤ dist(x, E)` on every
 * stroke, a *lower* bound, so the penalty fires when the prediction falls below it. The paper prints
 * `ReLU²(d − d*)`, which would penalise the opposite; ALGORITHM.md §1 records the correction. The
 * paper gives no λ; the default is 1.
 *
 * Pixels whose bound is unknown (d_CB = +∞: a window with no known edge at all) have bound 0 and
 * ρ = 0 after `stackTargets`, so they contribute 0 but still count in the set.
 */
import { mul, relu, type Scalar, square, sub, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import { checkPrediction, maskedMean, predictedDistance } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

/** `ℓineq = Σ ReLU(d_CB − d)² ρ / |set|` over `masks.inequality` in the batch (0 for an empty set). */
export function inequalityLoss(prediction: Tensor4D, batch: TargetBatch): Scalar {
  checkPrediction(prediction, batch, 'inequalityLoss');
  return tidy(() => {
    const shortfall = relu(sub(batch.lowerBound, predictedDistance(prediction)));
    return maskedMean(mul(square(shortfall), batch.weight), batch.masks.inequality);
  });
}
