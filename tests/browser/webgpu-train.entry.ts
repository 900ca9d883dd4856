/**
 * Runs in Chromium: a few training steps of the same small convolutional network on the `webgpu`
 * backend and on `cpu`, from the same initial weights and data, and returns both results for the
 * test to compare. Exposed as `window.runWebgpuTraining()`.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';

function seeded(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

async function train(backend: string, steps: number) {
  await tf.setBackend(backend);
  await tf.ready();
  const w1 = tf.variable(tf.tensor4d(seeded(3 * 3 * 2 * 8, 1, 0.3), [3, 3, 2, 8]));
  const w2 = tf.variable(tf.tensor4d(seeded(3 * 3 * 8 * 4, 2, 0.3), [3, 3, 8, 4]));
  const x = tf.tensor4d(seeded(2 * 32 * 32 * 2, 3, 1), [2, 32, 32, 2]);
  const y = tf.tensor4d(seeded(2 * 32 * 32 * 4, 4, 1), [2, 32, 32, 4]);
  const opt = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const loss = opt.minimize(() => {
      const h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
      const p = tf.maxPool(h, 2, 2, 'same');
      // nearest ×2 upsampling by concat + reshape, as the network does: tfjs 4.22's webgpu
      // ResizeNearestNeighborGrad disagrees with cpu (measured below); concat's gradient does not
      const wide = tf.reshape(tf.concat([p, p], 3), [2, 16, 32, 8]);
      const u = tf.reshape(tf.concat([wide, wide], 2), [2, 32, 32, 8]) as tf.Tensor4D;
      const out = tf.conv2d(u, w2 as tf.Tensor4D, 1, 'same');
      return tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
    }, true)!;
    losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  const weights = Array.from(await w2.data());
  tf.dispose([w1, w2, x, y]);
  opt.dispose();
  return { losses, weights };
}

declare global {
  interface Window {
    runWebgpuTraining: () => Promise<unknown>;
  }
}

/** Max |webgpu − cpu| of the gradient of tf.image.resizeNearestNeighbor (informative). */
async function resizeGradientGap(): Promise<number> {
  const grads: number[][] = [];
  for (const backend of ['webgpu', 'cpu']) {
    await tf.setBackend(backend);
    const x = tf.tensor4d(seeded(16 * 16 * 4, 7, 1), [1, 16, 16, 4]);
    const r = tf.tensor4d(seeded(32 * 32 * 4, 9, 1), [1, 32, 32, 4]);
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [32, 32]), r)),
    )(x);
    grads.push(Array.from(await g.data()));
    tf.dispose([x, r, g]);
  }
  return Math.max(...grads[0]!.map((v, i) => Math.abs(v - grads[1]![i]!)));
}

window.runWebgpuTraining = async () => {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string } }).info ?? {};
  const gpu = await train('webgpu', 3);
  const cpu = await train('cpu', 3);
  const resizeGap = await resizeGradientGap();
  return { adapter: { vendor: info.vendor, architecture: info.architecture }, gpu, cpu, resizeGap };
};
