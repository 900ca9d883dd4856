/**
 * The Sketchpose training loss (paper eqs. 3-16, ALGORITHM.md §1): a weighted sum of six terms,
 * each normalised by the size of its own summation set over the batch,
 *
 *   total = λB·ℓB + λD·ℓD + λV1·ℓV1 + λV2·ℓV2 + λV3·ℓV3 + λineq·ℓineq.
 *
 * Default λ's are the paper's (10, 2, 2, 2, 1) and 1 for the inequality term, which the paper does
 * not give. Omnipose 0.4's code weights differently (10 on the flow MSE, 2 on the boundary BCE):
 * keep every λ configurable and compare rather than guess (ALGORITHM.md §1).
 *
 * With full annotation (codes from `labelsToCodes`, `complete: true`, the border not a boundary)
 * every set is the whole patch except drawn contacts and the loss reduces to Omnipose-style
 * training (tests/engine/train-losses.test.ts checks each term against a plain implementation).
 *
 * @example
 *   const batch = stackTargets(patches.map((p) => computeTargets(p.codes, p.options)), { random });
 *   const { total, terms } = sketchposeLoss(model(images), batch);
 */
import { add, mul, type Scalar, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import { ValueError } from '../../errors.ts';
import { boundaryLoss } from './boundary.ts';
import { distanceLoss } from './distance.ts';
import { type EulerOptions, eulerLoss } from './euler.ts';
import { flowLoss } from './flow.ts';
import { flowNormLoss } from './flow-norm.ts';
import { inequalityLoss } from './inequality.ts';
import { checkPrediction } from './prediction.ts';
import type { TargetBatch } from './target-batch.ts';

export type LossTermName = 'boundary' | 'distance' | 'flow' | 'flowNorm' | 'euler' | 'inequality';
export type LossWeights = Record<LossTermName, number>;

/** Paper λ's (ALGORITHM.md §1); the inequality weight is not in the paper. */
export const PAPER_LOSS_WEIGHTS: Readonly<LossWeights> = Object.freeze({
  boundary: 10,
  distance: 2,
  flow: 2,
  flowNorm: 2,
  euler: 1,
  inequality: 1,
});

export interface SketchposeLossOptions {
  /** λ per term; missing ones take `PAPER_LOSS_WEIGHTS`. */
  weights?: Partial<LossWeights>;
  euler?: EulerOptions;
}

export interface SketchposeLoss {
  /** Σ λ·term, a scalar. */
  total: Scalar;
  /** Each term before its λ, scalars. */
  terms: Record<LossTermName, Scalar>;
}

/** All six terms and their weighted sum; the caller disposes the returned scalars. */
export function sketchposeLoss(
  prediction: Tensor4D,
  batch: TargetBatch,
  options: SketchposeLossOptions = {},
): SketchposeLoss {
  checkPrediction(prediction, batch, 'sketchposeLoss');
  const weights = { ...PAPER_LOSS_WEIGHTS, ...options.weights };
  for (const [name, value] of Object.entries(weights)) {
    if (!Number.isFinite(value)) throw new ValueError(`sketchposeLoss: weight '${name}' is ${value}`);
  }
  return tidy(() => {
    const terms: Record<LossTermName, Scalar> = {
      boundary: boundaryLoss(prediction, batch),
      distance: distanceLoss(prediction, batch),
      flow: flowLoss(prediction, batch),
      flowNorm: flowNormLoss(prediction, batch),
      euler: eulerLoss(prediction, batch, options.euler),
      inequality: inequalityLoss(prediction, batch),
    };
    let total = mul(terms.boundary, weights.boundary) as Scalar;
    for (const name of ['distance', 'flow', 'flowNorm', 'euler', 'inequality'] as const) {
      total = add(total, mul(terms[name], weights[name]));
    }
    return { total, terms };
  });
}
