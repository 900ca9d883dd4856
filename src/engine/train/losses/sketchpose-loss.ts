/**
 * The Sketchpose training loss (paper eqs. 3-16, ALGORITHM.md §1): a weighted sum of six terms,
 * each normalised by the size of its own summation set over the batch,
 *
 *   total = λB·ℓB + λD·ℓD + λV1·ℓV1 + λV2·ℓV2 + λV3·ℓV3 + λineq·ℓineq.
 *
 Two sets of λ's are provided, and every λ stays configurable (ALGORITHM.md §1):
 *
 * - `PAPER_LOSS_WEIGHTS`: the paper's (10, 2, 2, 2, 1) and 1 for the inequality term, which the
 *   paper does not give. Applied to the terms as the paper defines them (squared errors in ×5 flow
 *   units and pixels, the Euler term a sum over the L steps of a trajectory), the Euler and
 *   distance terms start tens to hundreds of times larger than the boundary term, and RAdam's
 *   first, un-rectified steps are correspondingly large: at lr 0.05 training diverges (loss ~1e23),
 *   and at lr 0.01 a small network gave no mask after 150 steps, though a good one after 300
 *   (docs/benchmarks-accuracy.md, "Loss weights").
 * - `DEFAULT_LOSS_WEIGHTS` (the default): the weights Omnipose 0.4's training code (and the original
 *   Sketchpose plugin's) effectively gives each term, expressed for this module's normalisation:
 *   Omnipose divides squared flow and distance errors by 25 (the ×5 flow scale) and puts 10 on the
 *   flow MSE, 2 on the distance and flow-norm MSEs and 2 on the boundary BCE; its Euler term
 *   (torchvf's IVPLoss) is a mean over the 2·L coordinates of a trajectory rather than a sum, so
 *   1/(2·15). The inequality term, absent from the original code, gets the distance term's weight
 *   (it is a distance error). The total starts around 15, and lr 0.05 trains stably (the best
 *   result of the ablation).
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

/**
 * Omnipose 0.4's effective weights in this module's normalisation (see the module doc): flow
 * 10/25, distance, flow norm and inequality 2/25, boundary 2, Euler 1/(2·15). The default.
 */
export const DEFAULT_LOSS_WEIGHTS: Readonly<LossWeights> = Object.freeze({
  boundary: 2,
  distance: 0.08,
  flow: 0.4,
  flowNorm: 0.08,
  euler: 0.033,
  inequality: 0.08,
});

export interface SketchposeLossOptions {
  /** λ per term; missing ones take `DEFAULT_LOSS_WEIGHTS`. */
  weights?: Partial<LossWeights>;
  euler?: EulerOptions;
}

export interface SketchposeLoss {
  /** Σ λ·term, a scalar. */
  total: Scalar;
  /** Each term before its λ, scalars. */
  terms: Record<LossTermName, Scalar>;
}

/** `DEFAULT_LOSS_WEIGHTS` with `overrides` applied; every weight must be finite. */
export function resolveLossWeights(overrides: Partial<LossWeights> = {}): LossWeights {
  const weights = { ...DEFAULT_LOSS_WEIGHTS, ...overrides };
  for (const [name, value] of Object.entries(weights)) {
    if (!Number.isFinite(value)) throw new ValueError(`sketchposeLoss: weight '${name}' is ${value}`);
  }
  return weights;
}

/** All six terms and their weighted sum; the caller disposes the returned scalars. */
export function sketchposeLoss(
  prediction: Tensor4D,
  batch: TargetBatch,
  options: SketchposeLossOptions = {},
): SketchposeLoss {
  checkPrediction(prediction, batch, 'sketchposeLoss');
  const weights = resolveLossWeights(options.weights);
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
