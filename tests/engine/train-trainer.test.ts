/**
 * Trainer mechanics with a one-layer network and a masked distance MSE: the loss goes down,
 * progress is reported, new strokes reach the sampler mid-run, abort stops between steps, and the
 * tensor count is flat over 500 steps (no leak).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnnotationStore } from '../../src/engine/annotations/index.ts';
import { Random } from '../../src/engine/random.ts';
import { BACKGROUND, CELL } from '../../src/engine/targets/index.ts';
import { ArrayImageSource, type Batch, PatchSampler } from '../../src/engine/train/sampler/index.ts';
import { type Progress, Trainer } from '../../src/engine/train/trainer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function toyNet(seed: number) {
  const kernel = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.1, 'float32', seed), true, `toy${seed}.w`);
  const bias = tf.variable(tf.zeros([4]), true, `toy${seed}.b`);
  return {
    apply: (x: tf.Tensor4D) => tf.add(tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same'), bias) as tf.Tensor4D,
    trainableVariables: () => [kernel, bias],
    dispose: () => tf.dispose([kernel, bias]),
  };
}

function distanceLoss(prediction: tf.Tensor4D, batch: Batch) {
  return tf.tidy(() => {
    const [n, p] = [batch.shape[0], batch.shape[1]];
    const target = new Float32Array(n * p * p);
    const mask = new Float32Array(n * p * p);
    batch.targets.forEach((t, b) => {
      target.set(t.distance, b * p * p);
      t.masks.distanceLoss.forEach((m, i) => {
        mask[b * p * p + i] = m;
      });
    });
    const d = tf.squeeze(tf.slice(prediction, [0, 0, 0, 2], [n, p, p, 1]), [3]);
    const err = tf.mul(tf.square(tf.sub(d, tf.tensor3d(target, [n, p, p]))), tf.tensor3d(mask, [n, p, p]));
    const total = tf.div(
      tf.sum(err),
      Math.max(
        1,
        mask.reduce((a, b) => a + b, 0),
      ),
    ) as tf.Scalar;
    return { total, terms: { distance: total } };
  });
}

function setup(seed: number) {
  const rng = new Random(seed);
  const rows = 96;
  const cols = 96;
  const img = new Float32Array(rows * cols * 2);
  const store = new AnnotationStore({ shape: [rows, cols], tileSize: 32 });
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      img[(r * cols + c) * 2] = (r - 48) ** 2 + (c - 48) ** 2 < 400 ? 0.9 : 0.1 + 0.05 * rng.next();
  store.paintStroke([{ x: 48, y: 48 }], { code: CELL, radius: 19 });
  store.paintStroke(
    [
      { x: 10, y: 10 },
      { x: 85, y: 10 },
    ],
    { code: BACKGROUND, radius: 5 },
  );
  const sampler = new PatchSampler(
    [{ image: new ArrayImageSource(img, [rows, cols, 2]), annotations: store }],
    {
      seed,
      batchSize: 2,
      patch: 16,
      margin: 8,
    },
  );
  return { store, sampler };
}

describe('Trainer', () => {
  it('lowers the loss, reports progress and takes strokes painted during training', async () => {
    const { store, sampler } = setup(1);
    const net = toyNet(1);
    const trainer = new Trainer({ net, optimizer: tf.train.adam(0.05), sampler, loss: distanceLoss });
    const seen: Progress[] = [];
    let painted = false;
    const result = await trainer.run({
      steps: 120,
      reportEvery: 20,
      onProgress: (p) => {
        seen.push(p);
        if (!painted && p.step >= 60) {
          store.paintStroke([{ x: 80, y: 85 }], { code: BACKGROUND, radius: 8 });
          painted = true;
        }
      },
    });
    expect(result.aborted).toBe(false);
    expect(seen.map((p) => p.step)).toEqual([20, 40, 60, 80, 100, 120]);
    expect(seen.at(-1)!.loss).toBeLessThan(seen[0]!.loss * 0.7);
    expect(seen.at(-1)!.annotatedPixels).toBeGreaterThan(seen[0]!.annotatedPixels);
    expect(seen[0]!.backend).toBe('cpu');
    expect(seen[0]!.eta).toBeGreaterThan(0);
    net.dispose();
  });

  it('stops between steps when aborted', async () => {
    const { sampler } = setup(2);
    const net = toyNet(2);
    const controller = new AbortController();
    const trainer = new Trainer({ net, optimizer: tf.train.sgd(0.01), sampler, loss: distanceLoss });
    const result = await trainer.run({
      steps: 1000,
      reportEvery: 5,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 15) controller.abort();
      },
    });
    expect(result.aborted).toBe(true);
    expect(result.steps).toBe(15);
    net.dispose();
  });

  it('keeps the tensor count flat over 500 steps', async () => {
    const { sampler } = setup(3);
    const net = toyNet(3);
    const optimizer = tf.train.adam(0.01);
    const trainer = new Trainer({ net, optimizer, sampler, loss: distanceLoss });
    await trainer.run({ steps: 10 }); // optimizer slots exist from here on
    const before = tf.memory().numTensors;
    await trainer.run({ steps: 500, reportEvery: 50 });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
    optimizer.dispose();
  });
});
