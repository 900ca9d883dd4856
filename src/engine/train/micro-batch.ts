/**
 * Micro-batching with gradient accumulation: a training batch too large for the backend's memory
 * (tfjs-backend-wasm's heap is 32-bit, 4 GiB at most) is split into micro-batches whose gradients
 * are summed before one optimizer update.
 *
 * The sum equals the full batch's gradient when each micro-batch's loss is its *share* of the full
 * batch's loss. Every Sketchpose term is `Σ_set f / max(|set|, 1)` over the whole batch
 * (prediction.ts `maskedMean`; the Euler term over its real start points), so a micro-batch `k`
 * whose own term is `S_k / max(c_k, 1)` contributes `term_k · max(c_k, 1) / max(C, 1)`, with `c_k`
 * and `C = Σ_k c_k` the set sizes of the micro-batch and of the full batch (read from the targets'
 * pixel counts on the CPU, before any tensor exists; when `c_k = 0`, `S_k = 0`). The shares of each
 * term add up to the full-batch term exactly (up to float32 rounding), whatever the split.
 *
 * What does *not* carry over: BatchNorm in training mode normalises with each micro-batch's own
 * statistics and moves its running statistics once per micro-batch, as gradient accumulation does
 * in PyTorch. With BatchNorm in eval mode (or no BatchNorm) the accumulated gradient is the
 * full-batch gradient (tests/engine/train-micro-batch.test.ts).
 */
import type { Scalar, Tensor4D } from '@tensorflow/tfjs-core';
import { add, mul } from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.ts';
import type { CPnetConfig } from '../model/config.ts';
import { countParameters, stateDictLayout } from '../model/layout.ts';
import type { Random } from '../random.ts';
import type { Targets } from '../targets/index.ts';
import { eulerStartRows } from './losses/euler-starts.ts';
import {
  type LossTermName,
  resolveLossWeights,
  type SketchposeLossOptions,
  sketchposeLoss,
} from './losses/sketchpose-loss.ts';
import { stackTargets } from './losses/target-batch.ts';
import type { Batch } from './sampler/index.ts';

/** Default Euler start points per patch (target-batch.ts `stackTargets`). */
const DEFAULT_EULER_STARTS = 2048;

/** Splits a batch into consecutive micro-batches of at most `size` patches (the last may be smaller). */
export function splitBatch(batch: Batch, size: number): Batch[] {
  const [n, h, w, c] = batch.shape;
  if (!Number.isInteger(size) || size < 1)
    throw new ValueError(`micro-batch size must be a positive integer, got ${size}`);
  if (batch.targets.length !== n)
    throw new ValueError(`batch has ${batch.targets.length} targets for ${n} images`);
  if (size >= n) return [batch];
  const per = h * w * c;
  const parts: Batch[] = [];
  for (let b = 0; b < n; b += size) {
    const m = Math.min(size, n - b);
    parts.push({
      image: batch.image.subarray(b * per, (b + m) * per),
      targets: batch.targets.slice(b, b + m),
      shape: [m, h, w, c],
    });
  }
  return parts;
}

/** The size of each loss term's summation set over `targets` (`sketchposeLoss`'s denominators). */
export function lossSetSizes(
  targets: readonly Targets[],
  maxEulerStarts = DEFAULT_EULER_STARTS,
): Record<LossTermName, number> {
  const sizes = { boundary: 0, distance: 0, flow: 0, flowNorm: 0, euler: 0, inequality: 0 };
  for (const t of targets) {
    sizes.boundary += t.counts.boundaryLoss;
    sizes.distance += t.counts.distanceLoss;
    sizes.flow += t.counts.flowLoss;
    sizes.flowNorm += t.counts.flowLoss;
    sizes.inequality += t.counts.inequality;
    sizes.euler += Math.min(eulerStartRows(t.shape[0], t.shape[1], maxEulerStarts), t.counts.eulerStart);
  }
  return sizes;
}

/** `max(c_k, 1) / max(C, 1)` per term: the factor that turns a micro-batch's term into its share. */
export function microBatchShares(
  micro: readonly Targets[],
  full: readonly Targets[],
  maxEulerStarts = DEFAULT_EULER_STARTS,
): Record<LossTermName, number> {
  const c = lossSetSizes(micro, maxEulerStarts);
  const total = lossSetSizes(full, maxEulerStarts);
  const shares = {} as Record<LossTermName, number>;
  for (const name of Object.keys(c) as LossTermName[])
    shares[name] = Math.max(c[name], 1) / Math.max(total[name], 1);
  return shares;
}

export interface SketchposeBatchLossOptions extends SketchposeLossOptions {
  /** Draws the Euler start points (advanced patch by patch, so a split batch draws the same ones). */
  random: Random;
  /** Euler start points per patch. Default 2,048. */
  maxEulerStarts?: number;
}

/**
 * The Trainer's loss (trainer.ts `BatchLoss`) for the Sketchpose objective: stacks the batch's
 * targets (`stackTargets`) and applies `sketchposeLoss`; given the `full` batch a micro-batch comes
 * from, returns the micro-batch's share of every term and of the total. Tensors it makes are freed
 * by the caller's `tidy`/`variableGrads` scope.
 */
export function sketchposeBatchLoss(options: SketchposeBatchLossOptions) {
  const maxEulerStarts = options.maxEulerStarts ?? DEFAULT_EULER_STARTS;
  const weights = resolveLossWeights(options.weights);
  return (prediction: Tensor4D, batch: Batch, full?: Batch) => {
    const targets = stackTargets(batch.targets, { random: options.random, maxEulerStarts });
    const { total, terms } = sketchposeLoss(prediction, targets, options);
    if (full === undefined || full === batch) return { total, terms };
    const shares = microBatchShares(batch.targets, full.targets, maxEulerStarts);
    const scaled = {} as Record<LossTermName, Scalar>;
    let sum: Scalar | undefined;
    for (const name of Object.keys(terms) as LossTermName[]) {
      scaled[name] = mul(terms[name], shares[name]);
      const weighted = mul(scaled[name], weights[name]) as Scalar;
      sum = sum === undefined ? weighted : (add(sum, weighted) as Scalar);
    }
    return { total: sum!, terms: scaled };
  };
}

/**
 * Bytes tfjs-backend-wasm's heap needs to train `config` on `batch` patches of `side`²: the
 * activations kept for the backward pass grow with Σ_level width·(side/2^level)² per patch
 * (`ACTIVATION_FACTOR` float32 maps of that size, measured with bench/train/heap.ts on the full
 * network, forward + six-term loss + backward), plus the parameters, their gradients and the two
 * RAdam slots. An estimate with a margin, used to choose a micro-batch size, not a bound.
 */
export function estimateTrainingBytes(config: CPnetConfig, side: number, batch: number): number {
  let perPatch = config.nchan * side * side;
  config.widths.forEach((w, level) => {
    perPatch += w * (side / 2 ** level) ** 2;
  });
  // variables, gradients, two RAdam slots and the update's temporaries
  const params = 6 * countParameters(stateDictLayout(config));
  return 4 * (ACTIVATION_FACTOR * perPatch * batch + params);
}

/**
 * Float32 maps kept per encoder map (see `estimateTrainingBytes`): the full network at 224² grew
 * the wasm heap to 2.73 GiB for one patch (bench/train/heap.ts), 2.57 GiB of it activations for
 * 3.06 M encoder values: 215, rounded up.
 */
export const ACTIVATION_FACTOR = 220;

/** Usable wasm heap for training: the 4 GiB of a 32-bit heap less room for fragmentation. */
export const WASM_TRAINING_BUDGET = 3.5 * 2 ** 30;

/**
 * The largest micro-batch size that divides `batch` (so every micro-batch has the same shape) and
 * whose estimated training memory fits `budget` bytes; at least 1.
 */
export function chooseMicroBatch(
  config: CPnetConfig,
  side: number,
  batch: number,
  budget = WASM_TRAINING_BUDGET,
): number {
  for (let m = batch; m > 1; m--) {
    if (batch % m === 0 && estimateTrainingBytes(config, side, m) <= budget) return m;
  }
  return 1;
}
