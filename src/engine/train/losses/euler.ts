/**
 * Euler term `ℓV3` (paper eqs. 3-16, ALGORITHM.md §1 and §5): trajectories integrated through the
 * predicted flow must follow those through the target flow. From each start point p ∈ D ∩ cells
 * (`batch.eulerStarts`, a bounded random subset), with x_0 = x*_0 = p:
 *
 *   x*_l = x*_{l−1} + a_{l−1} · h · v*(x*_{l−1})      x_l = x_{l−1} + a_{l−1} · h · v(x_{l−1})
 *   a_0 = 1,  a_l = a_{l−1} · [x*_l ∈ D]                ℓV3 = Σ_p Σ_{l=1..L} ‖x_l − x*_l‖² / #p
 *
 * with h = 0.2 on ×5 flows (one pixel per step) and L = 15 (torchvf/Omnipose 0.4 defaults).
 * Freezing: as soon as the target trajectory is outside D (outside the patch, or its nearest pixel
 * not in `masks.valid`), both trajectories stop moving (a = 0 from then on); v* is never sampled
 * outside D, where it is unknown. A frozen pair keeps adding its last difference at the remaining
 * steps: each trajectory contributes L terms. Normalised by the number of real start points in the
 * batch (0 when there are none). The paper's λ is 1.
 *
 * Sampling is bilinear with positions clamped to the patch (`bilinear.ts`). Gradients flow to the
 * predicted flow both through the sampled values and through the positions x_l, which depend on
 * earlier samples: torchvf's IVPLoss (`bilinear_batched` mode) does not detach positions between
 * steps either, and this keeps the gradient equal to the derivative of the value, which the tests
 * check by finite differences. (Omnipose 1.0's EulerLoss uses `nearest_batched` with 2 steps, where
 * rounding makes positions carry no gradient.) The target trajectory carries none: it depends only
 * on targets. Differences from torchvf: vectors are (dy, dx) in Omnipose's order rather than
 * channel 0 taken as x, the flat index is row·W + col rather than y·H + x, integration starts only
 * from D ∩ cells, and the sum is per trajectory rather than an MSE over all coordinates.
 */
import {
  add,
  cast,
  div,
  maximum,
  mul,
  reshape,
  type Scalar,
  scalar,
  square,
  sub,
  sum,
  type Tensor2D,
  type Tensor3D,
  type Tensor4D,
  tidy,
} from '@tensorflow/tfjs-core';
import { ValueError } from '../../errors.ts';
import { bilinearSample, insideMask } from './bilinear.ts';
import { checkPrediction, predictedFlow } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

export interface EulerOptions {
  /** Integration steps L; default 15. */
  steps?: number;
  /** Step size h on the ×5 flows; default 0.2 (one pixel per step on a unit target). */
  stepSize?: number;
}

/** `ℓV3`, a scalar: mean over real start points of Σ_l ‖x_l − x*_l‖² (0 when there are none). */
export function eulerLoss(prediction: Tensor4D, batch: TargetBatch, options: EulerOptions = {}): Scalar {
  checkPrediction(prediction, batch, 'eulerLoss');
  const steps = options.steps ?? 15;
  const stepSize = options.stepSize ?? 0.2;
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`eulerLoss: steps must be an integer ≥ 0, got ${steps}`);
  if (!Number.isFinite(stepSize)) throw new ValueError(`eulerLoss: stepSize must be finite, got ${stepSize}`);
  return tidy(() => {
    const shape = batch.shape;
    const [n, h, w] = shape;
    const k = batch.eulerStarts.shape[1];
    const predicted: Tensor2D = reshape(predictedFlow(prediction), [n * h * w, 2]);
    const target: Tensor2D = reshape(batch.flow, [n * h * w, 2]);
    const valid = reshape(batch.masks.valid, [n * h * w]);
    const real = reshape(batch.eulerStartValid, [n, k, 1]);

    let xTarget = cast(batch.eulerStarts, 'float32') as Tensor3D;
    let xPredicted = xTarget;
    // padding rows never move; real ones move while the target trajectory is in D
    let alive = real as Tensor3D;
    let total: Scalar = scalar(0);
    for (let l = 1; l <= steps; l++) {
      const move = mul(alive, stepSize);
      const nextTarget = add(xTarget, mul(bilinearSample(target, xTarget, shape), move)) as Tensor3D;
      xPredicted = add(xPredicted, mul(bilinearSample(predicted, xPredicted, shape), move)) as Tensor3D;
      xTarget = nextTarget;
      total = add(total, sum(mul(sum(square(sub(xPredicted, xTarget)), 2, true), real)));
      alive = mul(alive, insideMask(valid, xTarget, shape)) as Tensor3D;
    }
    return div(total, maximum(sum(real), 1));
  });
}
