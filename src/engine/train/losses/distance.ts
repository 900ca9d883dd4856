/**
 * Distance term `ℓD` (paper eqs. 3-16, ALGORITHM.md §1): `(d − d*)² ρ` averaged over the pixels with
 * an exactly known distance (`masks.distanceLoss`: D ∩ cells, where d* = d_B by Theorem 1, plus the
 * background strokes with d* = −5, see src/engine/targets/targets.ts), with the weight
 * `ρ = β + exp(−d_CB/α)`, α = 5, β = 2. Paper λ = 2.
 *
 * With full annotation (D = S) this is Omnipose's weighted distance MSE up to its constant scale
 * (Omnipose 1.0 divides the difference by 5 and takes the mean over all pixels).
 */
import { mul, type Scalar, square, sub, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import { checkPrediction, maskedMean, predictedDistance } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

/** `ℓD = Σ_D (d − d*)² ρ / |D|` over the batch, a scalar (0 for an empty set). */
export function distanceLoss(prediction: Tensor4D, batch: TargetBatch): Scalar {
  checkPrediction(prediction, batch, 'distanceLoss');
  return tidy(() => {
    const residual = sub(predictedDistance(prediction), batch.distance);
    return maskedMean(mul(square(residual), batch.weight), batch.masks.distanceLoss);
  });
}
