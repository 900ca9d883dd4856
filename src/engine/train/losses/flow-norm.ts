/**
 * Flow-norm term `ℓV2` (paper eqs. 3-16, ALGORITHM.md §1): `(‖v‖ − ‖v*‖)² ρ` averaged over
 * `masks.flowLoss` (the same set as `ℓV1`). Paper λ = 2. Omnipose's `NormLoss` is the same
 * quantity averaged over all pixels (and divided by 25).
 *
 * `‖v‖` uses a norm whose gradient at v = 0 is 0 instead of NaN: tfjs's `sqrt` gradient is
 * `1/(2√x)`, infinite at 0, and a prediction of exactly zero flow (a zero-initialised head, or the
 * background of a trained one) would otherwise poison every gradient with NaN. The value is exact.
 */
import {
  customGrad,
  div,
  type GradSaveFunc,
  maximum,
  mul,
  type Scalar,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  type Tensor4D,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkPrediction, maskedMean, predictedFlow } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

/**
 * Euclidean norm over the last axis (kept, size 1), with gradient `v/‖v‖` and 0 where ‖v‖ = 0
 * (a subgradient of the norm at the origin).
 */
export const vectorNorm = customGrad((...inputs: (Tensor | GradSaveFunc)[]) => {
  const v = inputs[0] as Tensor;
  const save = inputs[1] as GradSaveFunc;
  const norm = sqrt(sum(square(v), -1, true));
  save([v, norm]);
  return {
    value: norm,
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [x, n] = saved as [Tensor, Tensor];
      // x = 0 wherever n = 0, so x / max(n, tiny) is 0 there
      return [mul(dy, div(x, maximum(n, 1e-30)))];
    },
  };
}) as (v: Tensor) => Tensor;

/** `ℓV2 = Σ (‖v‖ − ‖v*‖)² ρ / |set|` over `masks.flowLoss` in the batch (0 for an empty set). */
export function flowNormLoss(prediction: Tensor4D, batch: TargetBatch): Scalar {
  checkPrediction(prediction, batch, 'flowNormLoss');
  return tidy(() => {
    const difference = sub(vectorNorm(predictedFlow(prediction)), vectorNorm(batch.flow));
    return maskedMean(mul(square(difference), batch.weight), batch.masks.flowLoss);
  });
}
