/**
 * The training loop: draws batches from the {@link PatchSampler}, computes the loss and its
 * gradients, applies the optimizer, and reports progress, while the user keeps painting (the
 * sampler sees new strokes between two steps; nothing restarts). Cancellable with an AbortSignal;
 * reads losses back asynchronously every `reportEvery` steps only (no `dataSync` in the loop), and
 * frees every tensor it makes, so the tensor count stays flat however long it runs. A batch can be
 * split into micro-batches whose gradients are accumulated (`microBatch`, micro-batch.ts).
 */
import './gradients.ts';
import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.ts';
import { splitBatch } from './micro-batch.ts';
import type { Batch, PatchSampler } from './sampler/index.ts';

/** What the trainer needs of a network. */
export interface TrainableNet {
  /** `[N, H, W, C]` → `[N, H, W, 4]` */
  apply(x: tf.Tensor4D, options: { training: boolean }): tf.Tensor4D;
  trainableVariables(): tf.Variable[];
}

/**
 * Loss of a prediction on a batch: the total to minimise and each named term (scalars). With
 * micro-batching, `batch` is a micro-batch of `full`, and the loss must return this micro-batch's
 * share of the full batch's total and terms (the shares are summed; see micro-batch.ts
 * `sketchposeBatchLoss`); without, `full` is undefined.
 */
export type BatchLoss = (
  prediction: tf.Tensor4D,
  batch: Batch,
  full?: Batch,
) => { total: tf.Scalar; terms: Record<string, tf.Scalar> };

export interface Progress {
  step: number;
  epoch: number;
  totalSteps: number;
  loss: number;
  terms: Record<string, number>;
  stepsPerSecond: number;
  /** seconds left at the current speed */
  eta: number;
  annotatedPixels: number;
  backend: string;
}

export interface TrainerOptions {
  net: TrainableNet;
  optimizer: tf.Optimizer;
  sampler: PatchSampler;
  loss: BatchLoss;
  /** steps per epoch; Sketchpose: max(images, batch) samples, i.e. one step per image batch */
  stepsPerEpoch?: number;
  /**
   * Patches per forward/backward pass (default: the whole batch). A smaller value splits each batch
   * into micro-batches whose gradients are summed before one update (micro-batch.ts), so that a
   * batch that does not fit in memory (the 4 GiB wasm heap) still trains; `chooseMicroBatch`
   * picks one for a network and patch size.
   */
  microBatch?: number;
}

export interface RunOptions {
  steps: number;
  /** step to start counting from (when resuming) */
  startStep?: number;
  signal?: AbortSignal;
  /** read the losses back and report every N steps (default 10) */
  reportEvery?: number;
  onProgress?: (progress: Progress) => void;
  checkpointEvery?: number;
  onCheckpoint?: (step: number) => Promise<void> | void;
}

export interface RunResult {
  steps: number;
  aborted: boolean;
  last?: Progress;
}

/** Loss, terms and gradients of the trainable variables on one (micro-)batch; `full` as in `BatchLoss`. */
function lossAndGradients(net: TrainableNet, loss: BatchLoss, batch: Batch, full?: Batch) {
  let terms: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor4d(batch.image, batch.shape);
    const prediction = net.apply(x, { training: true });
    const out = loss(prediction, batch, full);
    terms = Object.fromEntries(Object.entries(out.terms).map(([k, v]) => [k, tf.keep(v)]));
    return out.total;
  }, net.trainableVariables());
  return { total: value, terms, grads };
}

/**
 * The loss, its terms and the gradients of `batch`, computed in micro-batches of `microBatch`
 * patches (default: all at once) whose shares are summed (gradient accumulation, micro-batch.ts).
 * The caller disposes everything returned.
 */
export function batchGradients(
  net: TrainableNet,
  loss: BatchLoss,
  batch: Batch,
  microBatch = batch.shape[0],
): { total: tf.Scalar; terms: Record<string, tf.Scalar>; grads: tf.NamedTensorMap } {
  const parts = splitBatch(batch, microBatch);
  if (parts.length === 1) return lossAndGradients(net, loss, batch);
  const sum = <T extends tf.Tensor>(a: T, b: T): T => {
    const s = tf.add(a, b) as T;
    tf.dispose([a, b]);
    return s;
  };
  let acc: ReturnType<typeof lossAndGradients> | undefined;
  for (const part of parts) {
    const next = lossAndGradients(net, loss, part, batch);
    if (acc === undefined) {
      acc = next;
      continue;
    }
    acc.total = sum(acc.total, next.total);
    for (const [name, v] of Object.entries(next.terms))
      acc.terms[name] = acc.terms[name] ? sum(acc.terms[name]!, v) : v;
    for (const [name, g] of Object.entries(next.grads)) acc.grads[name] = sum(acc.grads[name]!, g);
  }
  return acc!;
}

export class Trainer {
  private readonly options: TrainerOptions;
  constructor(options: TrainerOptions) {
    const m = options.microBatch;
    if (m !== undefined && !(Number.isInteger(m) && m >= 1))
      throw new ValueError(`microBatch must be a positive integer, got ${m}`);
    this.options = options;
  }

  /** One optimisation step on one batch; returns the kept loss scalars (caller disposes). */
  private step(batch: Batch): { total: tf.Scalar; terms: Record<string, tf.Scalar> } {
    const { net, loss, optimizer, microBatch } = this.options;
    const { total, terms, grads } = batchGradients(net, loss, batch, microBatch);
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    return { total, terms };
  }

  async run(run: RunOptions): Promise<RunResult> {
    const { sampler } = this.options;
    if (!(run.steps >= 0) || !Number.isInteger(run.steps))
      throw new ValueError(`steps ${run.steps} must be a non-negative integer`);
    const perEpoch = this.options.stepsPerEpoch ?? 1;
    const reportEvery = run.reportEvery ?? 10;
    const start = run.startStep ?? 0;
    const end = start + run.steps;
    const t0 = performance.now();
    let last: Progress | undefined;
    let step = start;
    while (step < end) {
      if (run.signal?.aborted) return { steps: step - start, aborted: true, last };
      const batch = await sampler.next(run.signal);
      const { total, terms } = this.step(batch);
      step++;
      const report = step % reportEvery === 0 || step === end;
      if (report) {
        // one asynchronous read-back for all scalars of this step
        const names = Object.keys(terms);
        const values = await Promise.all([total, ...names.map((n) => terms[n]!)].map((t) => t.data()));
        const elapsed = (performance.now() - t0) / 1000;
        const speed = (step - start) / elapsed;
        last = {
          step,
          epoch: Math.floor(step / perEpoch),
          totalSteps: end,
          loss: values[0]![0]!,
          terms: Object.fromEntries(names.map((n, i) => [n, values[i + 1]![0]!])),
          stepsPerSecond: speed,
          eta: (end - step) / speed,
          annotatedPixels: sampler.annotatedPixels,
          backend: tf.getBackend(),
        };
        if (!Number.isFinite(last.loss)) {
          tf.dispose([total, ...Object.values(terms)]);
          throw new ValueError(
            `training diverged at step ${step}: loss is ${last.loss} (terms ${JSON.stringify(last.terms)})`,
          );
        }
        run.onProgress?.(last);
      }
      tf.dispose([total, ...Object.values(terms)]);
      if (run.checkpointEvery && step % run.checkpointEvery === 0) await run.onCheckpoint?.(step);
      // yield to the event loop so pointer events and messages (new strokes, stop) get through
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return { steps: step - start, aborted: false, last };
  }
}
