/**
 * The network's output layout and the reduction every loss term shares.
 *
 * Prediction: batch-first NHWC `[N, H, W, 4]` with channels `[flowY, flowX, distance,
 * boundary_logit]` (Omnipose's head, ALGORITHM.md §4; the flow is stored dy then dx, the same
 * order as the targets' two planes).
 *
 * Normalisation (paper, ALGORITHM.md §1): each term is a sum over its own set divided by the size
 * of that set, both taken over the whole batch, not by the patch size. An empty set gives 0, never
 * NaN: the denominator is `max(|set|, 1)` and the numerator is then 0.
 */
// every term is differentiated: make sure tfjs's gradient functions are registered
import '../gradients.ts';
import {
  div,
  matMul,
  maximum,
  mul,
  reshape,
  type Scalar,
  sum,
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  tensor2d,
} from '@tensorflow/tfjs-core';
import { DtypeError, ShapeError } from '../../errors.ts';
import type { TargetBatch } from './target-batch.ts';

/** Channel indices of a prediction. */
export const FLOW_Y = 0;
export const FLOW_X = 1;
export const DISTANCE = 2;
export const BOUNDARY_LOGIT = 3;
export const PREDICTION_CHANNELS = 4;

/**
 * Columns `[start, start + count)` of a `[M, C]` float32 matrix, as its product with a one-hot
 * `[C, count]` selector. Exact for finite values (x·1 + Σ y·0), and fast on every backend: tfjs's cpu
 * `slice` of a non-contiguous channel copies element by element with index arithmetic (~1 µs per
 * element, 0.4 s for one channel of an 8×224×224 batch), while its matMul is a tight loop.
 */
export function selectColumns(x: Tensor2D, start: number, count: number): Tensor2D {
  const c = x.shape[1];
  const selector = new Float32Array(c * count);
  for (let j = 0; j < count; j++) selector[(start + j) * count + j] = 1;
  return matMul(x, tensor2d(selector, [c, count]));
}

/** Channels `[start, start + count)` of an NHWC float32 tensor. */
export function channels(t: Tensor4D, start: number, count: number): Tensor4D {
  const [n, h, w, c] = t.shape;
  return reshape(selectColumns(reshape(t, [n * h * w, c]), start, count), [n, h, w, count]);
}

/** The predicted flow `[N, H, W, 2]` (dy, dx). */
export function predictedFlow(prediction: Tensor4D): Tensor4D {
  return channels(prediction, FLOW_Y, 2);
}

/** The predicted distance `[N, H, W, 1]`. */
export function predictedDistance(prediction: Tensor4D): Tensor4D {
  return channels(prediction, DISTANCE, 1);
}

/** The predicted boundary logit `[N, H, W, 1]`. */
export function predictedBoundaryLogit(prediction: Tensor4D): Tensor4D {
  return channels(prediction, BOUNDARY_LOGIT, 1);
}

/** Throws a ShapeError unless `prediction` is `[N, H, W, 4]` with the batch's N, H, W. */
export function checkPrediction(prediction: Tensor, batch: TargetBatch, what: string): void {
  const [n, h, w] = batch.shape;
  const s = prediction.shape;
  if (s.length !== 4 || s[0] !== n || s[1] !== h || s[2] !== w || s[3] !== PREDICTION_CHANNELS) {
    throw new ShapeError(
      `${what}: prediction has shape [${s}], expected [${n}, ${h}, ${w}, ${PREDICTION_CHANNELS}] ` +
        '(NHWC: flowY, flowX, distance, boundary logit)',
    );
  }
  if (prediction.dtype !== 'float32') {
    throw new DtypeError(`${what}: prediction has dtype ${prediction.dtype}, expected float32`);
  }
}

/**
 * `Σ mask·values / max(Σ mask, 1)` over the whole batch: the mean of `values` over the set the
 * 0/1 `mask` selects (paper: each term normalised by the size of its own set). `values` and `mask`
 * broadcast against each other; `values` must be finite where the mask is 0 (0·∞ is NaN).
 */
export function maskedMean(values: Tensor, mask: Tensor): Scalar {
  return div(sum(mul(values, mask)), maximum(sum(mask), 1));
}
