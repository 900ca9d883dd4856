/**
 * Euler term `ℓV3` (paper eqs. 3-16, ALGORITHM.md §1 and §5): trajectories integrated through the
 * predicted flow must follow those through the target flow. From each start point p ∈ D ∩ cells
 * (`batch.eulerStarts`, a bounded random subset), with x_0 = x*_0 = p:
 *
 *   x*_l = x*_{l−1} + a_{l−1} · h · v*(x*_{l−1})      x_l = x_{l−1} + a_{l−1} · h · v(x_{l−1})
 *   a_0 = 1,  a_l = a_{l−1} · [x*_l ∈ D]                ℓV3 = Σ_p Σ_{l=1..L} ‖x_l − x*_l‖² / #p
 *
 * with h = 0.2 on ×5 flows (one pixel per step) and L = 15 (torchvf/Omnipose 0.4 defaults).
 * Freezing: as soon as the target trajectory is outside D (its nearest pixel ⌊x + 0.5⌋ is outside
 * the patch or not in `masks.valid`), both trajectories stop moving (a = 0 from then on), so v* is
 * never sampled outside D, where it is unknown. A frozen pair keeps adding its last difference at
 * the remaining steps: each trajectory contributes L terms. Normalised by the number of real start points in the
 * batch (0 when there are none). The paper's λ is 1.
 *
 * Sampling is bilinear with positions clamped to the patch (`bilinear.ts`), plane by plane on
 * rank-1 tensors (tfjs's cpu kernels are fast only without broadcasting). Gradients flow to the
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
  type Tensor1D,
  type Tensor2D,
  type Tensor4D,
  tidy,
} from '@tensorflow/tfjs-core';
import { ValueError } from '../../errors.ts';
import { bilinearSample, insideMask, pointOffsets } from './bilinear.ts';
import { channels, checkPrediction, FLOW_X, FLOW_Y, selectColumns } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

export interface EulerOptions {
  /** Integration steps L; default 15. */
  steps?: number;
  /** Step size h on the ×5 flows; default 0.2 (one pixel per step on a unit target). */
  stepSize?: number;
}

/** A flow's two planes `[N·H·W]` each, (dy, dx). */
function planes(flow: Tensor4D, dy: number, dx: number): [Tensor1D, Tensor1D] {
  const size = flow.size / flow.shape[3];
  return [reshape(channels(flow, dy, 1), [size]), reshape(channels(flow, dx, 1), [size])];
}

/** `ℓV3`, a scalar: mean over real start points of Σ_l ‖x_l − x*_l‖² (0 when there are none). */
export function eulerLoss(prediction: Tensor4D, batch: TargetBatch, options: EulerOptions = {}): Scalar {
  checkPrediction(prediction, batch, 'eulerLoss');
  const steps = options.steps ?? 15;
  const stepSize = options.stepSize ?? 0.2;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new ValueError(`eulerLoss: steps must be an integer ≥ 0, got ${steps}`);
  }
  if (!Number.isFinite(stepSize)) throw new ValueError(`eulerLoss: stepSize must be finite, got ${stepSize}`);
  return tidy(() => {
    const shape = batch.shape;
    const [n, h, w] = shape;
    const k = batch.eulerStarts.shape[1];
    const m = n * k;
    const [predY, predX] = planes(prediction, FLOW_Y, FLOW_X);
    const [targetY, targetX] = planes(batch.flow, 0, 1);
    const valid = reshape(batch.masks.valid, [n * h * w]) as Tensor1D;
    const real = reshape(batch.eulerStartValid, [m]) as Tensor1D;
    const offsets = pointOffsets(n, k, h, w);
    const starts = cast(reshape(batch.eulerStarts, [m, 2]), 'float32') as Tensor2D;
    const sample = (plane: Tensor1D, r: Tensor1D, c: Tensor1D) => bilinearSample(plane, r, c, offsets, shape);

    let [tRow, tCol] = [
      reshape(selectColumns(starts, 0, 1), [m]),
      reshape(selectColumns(starts, 1, 1), [m]),
    ] as [Tensor1D, Tensor1D];
    let [pRow, pCol] = [tRow, tCol];
    // padding rows never move; real ones move while the target trajectory is in D
    let alive = real;
    let total: Scalar = scalar(0);
    for (let l = 1; l <= steps; l++) {
      const move = mul(alive, stepSize);
      const [nextRow, nextCol]: Tensor1D[] = [
        add(tRow, mul(sample(targetY, tRow, tCol), move)),
        add(tCol, mul(sample(targetX, tRow, tCol), move)),
      ];
      [pRow, pCol] = [
        add(pRow, mul(sample(predY, pRow, pCol), move)),
        add(pCol, mul(sample(predX, pRow, pCol), move)),
      ];
      [tRow, tCol] = [nextRow!, nextCol!];
      const gap = add(square(sub(pRow, tRow)), square(sub(pCol, tCol)));
      total = add(total, sum(mul(gap, real)));
      alive = mul(alive, insideMask(valid, tRow, tCol, offsets, shape));
    }
    return div(total, maximum(sum(real), 1));
  });
}
