/**
 * Runs in Chromium: three RAdam steps of the small CPnet with the full Sketchpose loss on the
 * `webgpu` backend and on `cpu`, from the same weights, images and targets; returns the losses
 * and a slice of the final weights of both for the test to compare.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { computeTargets } from '../../src/engine/targets/index.ts';
import { sketchposeLoss } from '../../src/engine/train/losses/sketchpose-loss.ts';
import { stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import { RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';
import '../../src/engine/train/gradients.ts';

function batch() {
  const rng = new Random(11);
  const side = 32;
  const image = new Float32Array(2 * side * side * 2).map((_, i) => (i % 2 === 0 ? rng.next() : 0));
  const targets = [0, 1].map((k) => {
    const codes = new Uint8Array(48 * 48);
    for (let r = 0; r < 48; r++) {
      for (let c = 0; c < 48; c++) {
        const inside = (r - 24) ** 2 + (c - 20 - 4 * k) ** 2 < 80;
        codes[r * 48 + c] = inside ? 2 : (r + c) % 3 === 0 ? 1 : 0;
      }
    }
    return computeTargets(
      { data: codes, shape: [48, 48] },
      { crop: { row: 8, col: 8, rows: side, cols: side } },
    );
  });
  return { image, targets, side };
}

async function train(backend: string) {
  await tf.setBackend(backend);
  await tf.ready();
  const net = createCPnet({ widths: 'small', seed: 1 });
  const optimizer = new RAdamOptimizer({ learningRate: 0.01 });
  const { image, targets, side } = batch();
  const losses: number[] = [];
  for (let k = 0; k < 3; k++) {
    const loss = optimizer.minimize(() => {
      const x = tf.tensor4d(image, [2, side, side, 2]);
      return sketchposeLoss(net.apply(x, { training: true }), stackTargets(targets, { seed: 3 })).total;
    }, true)!;
    losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  const last = net.variables.get('output.2.weight') ?? [...net.variables.values()].at(-2)!;
  const weights = Array.from(await last.data());
  net.dispose();
  optimizer.dispose();
  return { losses, weights };
}

declare global {
  interface Window {
    runCpnetWebgpu: () => Promise<unknown>;
  }
}

window.runCpnetWebgpu = async () => {
  if (!(await navigator.gpu?.requestAdapter())) return { error: 'no WebGPU adapter' };
  const t0 = performance.now();
  const gpu = await train('webgpu');
  const gpuMs = performance.now() - t0;
  const cpu = await train('cpu');
  return { gpu, cpu, gpuMs };
};
