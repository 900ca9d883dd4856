/**
 * Micro-batching with gradient accumulation (src/engine/train/micro-batch.ts, trainer.ts
 * `batchGradients`), on the wasm backend. Invariants:
 * - the per-term set sizes read from the targets are the denominators `sketchposeLoss` uses (the
 *   0/1 masks' sums and the real Euler start points of the stacked batch);
 * - for the small CPnet with BatchNorm in eval mode, the gradients and the six loss terms summed
 *   over micro-batches of 1 and of 3 (uneven: 3 + 1) equal those of the whole batch of 4, to
 *   relative error ≤ 1e-5, although every micro-batch has different set sizes;
 * - a Trainer with `microBatch: 2` takes the same RAdam steps as one without (a BatchNorm-free
 *   network), and the reported loss is the full-batch loss;
 * - `chooseMicroBatch` keeps the full network at 224² under the wasm heap budget (1 patch per pass,
 *   measured 2.7 GiB) and lets the small network run larger micro-batches; bad sizes throw.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backends/select.ts';
import { ValueError } from '../../src/engine/errors.ts';
import { createCPnet, resolveConfig } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, labelsToCodes, type Targets, UNKNOWN } from '../../src/engine/targets/index.ts';
import { stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import {
  chooseMicroBatch,
  estimateTrainingBytes,
  lossSetSizes,
  sketchposeBatchLoss,
  splitBatch,
  WASM_TRAINING_BUDGET,
} from '../../src/engine/train/micro-batch.ts';
import { RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';
import type { Batch } from '../../src/engine/train/sampler/index.ts';
import { batchGradients, type TrainableNet, Trainer } from '../../src/engine/train/trainer.ts';

beforeAll(async () => {
  // wasm with the engine's training kernels: the cpu backend needs minutes for the CPnet's backward pass
  await initBackend('wasm');
});

const SIDE = 32;

/** Random disks as labels → codes, with a random block left unknown (partial annotation). */
function partialTargets(random: Random): Targets {
  const labels = new Int32Array(SIDE * SIDE);
  const disks = 2 + random.int(0, 3);
  for (let k = 1; k <= disks; k++) {
    const r = 3 + 5 * random.next();
    const [cy, cx] = [SIDE * random.next(), SIDE * random.next()];
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++)
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r && labels[y * SIDE + x] === 0) labels[y * SIDE + x] = k;
  }
  const codes = labelsToCodes({ data: labels, shape: [SIDE, SIDE] });
  const [h, oy, ox] = [8 + random.int(0, 12), random.int(0, 16), random.int(0, 16)];
  for (let y = oy; y < oy + h; y++) codes.data.fill(UNKNOWN, y * SIDE + ox, y * SIDE + ox + h);
  return computeTargets(codes);
}

function makeBatch(n: number, seed: number): Batch {
  const random = new Random(seed);
  const targets = Array.from({ length: n }, () => partialTargets(random));
  const image = Float32Array.from({ length: n * SIDE * SIDE * 2 }, () => random.uniform(-1, 1));
  return { image, targets, shape: [n, SIDE, SIDE, 2] };
}

function relError(a: Float32Array, b: Float32Array): number {
  let [diff, scale] = [0, 0];
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe('splitting a batch', () => {
  it('micro-batches are consecutive views with their targets; sizes must be positive integers', () => {
    const batch = makeBatch(5, 1);
    const parts = splitBatch(batch, 2);
    expect(parts.map((p) => p.shape[0])).toEqual([2, 2, 1]);
    expect(parts.map((p) => p.targets.length)).toEqual([2, 2, 1]);
    expect(parts[2]!.targets[0]).toBe(batch.targets[4]);
    expect(parts[1]!.image[0]).toBe(batch.image[2 * SIDE * SIDE * 2]);
    expect(parts[1]!.image.buffer).toBe(batch.image.buffer);
    expect(splitBatch(batch, 8)).toEqual([batch]);
    expect(() => splitBatch(batch, 0)).toThrow(ValueError);
    expect(() => splitBatch(batch, 1.5)).toThrow(ValueError);
  });

  it("set sizes from the targets are sketchposeLoss's denominators", async () => {
    const batch = makeBatch(3, 2);
    const sizes = lossSetSizes(batch.targets, 100);
    const stacked = stackTargets(batch.targets, { maxEulerStarts: 100, random: new Random(0) });
    const sum = async (t: tf.Tensor) => (await tf.sum(t).data())[0]!;
    expect(sizes.boundary).toBe(await sum(stacked.masks.boundaryLoss));
    expect(sizes.distance).toBe(await sum(stacked.masks.distanceLoss));
    expect(sizes.flow).toBe(await sum(stacked.masks.flowLoss));
    expect(sizes.flowNorm).toBe(sizes.flow);
    expect(sizes.inequality).toBe(await sum(stacked.masks.inequality));
    expect(sizes.euler).toBe(await sum(stacked.eulerStartValid));
    expect(sizes.euler).toBeGreaterThan(0);
  });
});

describe('gradient accumulation equals the full-batch gradient', () => {
  it('small CPnet, BatchNorm in eval mode: micro-batches of 1 and 3 give the gradient and terms of 4', async () => {
    const cpnet = createCPnet({ widths: 'small', seed: 3 });
    // eval-mode BatchNorm: the network is then per-sample, as gradient accumulation assumes
    const net: TrainableNet = {
      apply: (x) => cpnet.apply(x, { training: false }),
      trainableVariables: () => cpnet.trainableVariables(),
    };
    const batch = makeBatch(4, 7);
    const run = async (micro: number) => {
      const loss = sketchposeBatchLoss({ random: new Random(5), maxEulerStarts: 64 });
      const { total, terms, grads } = batchGradients(net, loss, batch, micro);
      const flat = tf.tidy(() => tf.concat(Object.values(grads).map((g) => g.flatten())));
      const out = {
        total: (await total.data())[0]!,
        terms: Object.fromEntries(
          await Promise.all(Object.entries(terms).map(async ([k, v]) => [k, (await v.data())[0]!] as const)),
        ),
        grads: (await flat.data()) as Float32Array,
      };
      tf.dispose([total, ...Object.values(terms), ...Object.values(grads), flat]);
      return out;
    };
    const full = await run(4);
    expect(full.grads.length).toBe(cpnet.parameterCount);
    for (const micro of [1, 3]) {
      const acc = await run(micro);
      expect(relError(acc.grads, full.grads), `micro-batch ${micro}`).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(acc.total - full.total) / full.total).toBeLessThanOrEqual(1e-5);
      for (const [k, v] of Object.entries(full.terms))
        expect(Math.abs(acc.terms[k]! - v), k).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)));
    }
    cpnet.dispose();
  });

  it('a Trainer with microBatch 2 takes the same steps as one without, and reports the full loss', async () => {
    const makeNet = () => {
      const kernel = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.1, 'float32', 9), true);
      const bias = tf.variable(tf.zeros([4]), true);
      return {
        apply: (x: tf.Tensor4D) =>
          tf.add(tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same'), bias) as tf.Tensor4D,
        trainableVariables: () => [kernel, bias],
      };
    };
    const batches = [makeBatch(4, 11), makeBatch(4, 12), makeBatch(4, 13)];
    const train = async (microBatch?: number) => {
      const net = makeNet();
      const optimizer = new RAdamOptimizer({ learningRate: 0.01 });
      let i = 0;
      const sampler = {
        next: async () => batches[i++]!,
        annotatedPixels: 1,
      } as unknown as ConstructorParameters<typeof Trainer>[0]['sampler'];
      const loss = sketchposeBatchLoss({ random: new Random(2), maxEulerStarts: 64 });
      const trainer = new Trainer({ net, optimizer, sampler, loss, ...(microBatch ? { microBatch } : {}) });
      const losses: number[] = [];
      await trainer.run({ steps: 3, reportEvery: 1, onProgress: (p) => losses.push(p.loss) });
      const values = await Promise.all(
        net.trainableVariables().map(async (v) => (await v.data()) as Float32Array),
      );
      tf.dispose([...net.trainableVariables()]);
      optimizer.dispose();
      return { losses, values };
    };
    const n0 = tf.memory().numTensors;
    const whole = await train();
    const n1 = tf.memory().numTensors;
    const micro = await train(2);
    // accumulation frees its partial sums: it leaves what a plain run leaves (the optimizer's own)
    expect(tf.memory().numTensors - n1).toBe(n1 - n0);
    for (const [s, l] of whole.losses.entries())
      expect(Math.abs(micro.losses[s]! - l) / l).toBeLessThanOrEqual(1e-5);
    for (const [j, v] of whole.values.entries())
      expect(relError(micro.values[j]!, v)).toBeLessThanOrEqual(1e-5);
    expect(() => new Trainer({ ...({} as ConstructorParameters<typeof Trainer>[0]), microBatch: 0 })).toThrow(
      ValueError,
    );
  });
});

describe('choosing the micro-batch size', () => {
  it('full network at 224²: one patch per pass under the wasm budget; small network: more', () => {
    const full = resolveConfig({ widths: 'full' });
    const small = resolveConfig({ widths: 'small' });
    // measured (bench/train/heap.ts): one 224² patch of the full network grows the heap to 2.73 GiB
    expect(estimateTrainingBytes(full, 224, 1) / 2 ** 30).toBeGreaterThan(2.6);
    expect(estimateTrainingBytes(full, 224, 2)).toBeGreaterThan(WASM_TRAINING_BUDGET);
    expect(chooseMicroBatch(full, 224, 8)).toBe(1);
    const m = chooseMicroBatch(small, 224, 8);
    expect(m).toBeGreaterThan(1);
    expect(8 % m).toBe(0);
    expect(estimateTrainingBytes(small, 224, m)).toBeLessThanOrEqual(WASM_TRAINING_BUDGET);
    expect(chooseMicroBatch(small, 64, 8)).toBe(8);
  });
});
