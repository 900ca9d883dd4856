/**
 * Flow term `ℓV1` (paper eqs. 3-16, ALGORITHM.md §1): `‖v − v*‖² ρ` averaged over the pixels with a
 * known flow (`masks.flowLoss`: D ∩ cells, where v* = 5·∇d_B, plus background strokes, v* = 0).
 * `‖·‖²` sums the squared differences of the two components (dy, dx). Paper λ = 2 (Omnipose 0.4's
 * code uses 10 on its flow MSE).
 *
 * With full annotation this is Omnipose's weighted flow MSE up to its constant scale (Omnipose
 * averages over the two channels as well as the pixels and divides the difference by 5).
 */
import { mul, type Scalar, square, sub, sum, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import { checkPrediction, maskedMean, predictedFlow } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

/** `ℓV1 = Σ (‖v − v*‖² ρ) / |set|` over `masks.flowLoss` in the batch, a scalar (0 for an empty set). */
export function flowLoss(prediction: Tensor4D, batch: TargetBatch): Scalar {
  checkPrediction(prediction, batch, 'flowLoss');
  return tidy(() => {
    const squaredError = sum(square(sub(predictedFlow(prediction), batch.flow)), 3, true);
    return maskedMean(mul(squaredError, batch.weight), batch.masks.flowLoss);
  });
}
