/**
 * Where one training step of the accuracy benchmark spends its time (wasm backend, one thread):
 * sampling + targets, stacking, forward + backward of the loss with and without the Euler term.
 *
 *   npx tsx bench/accuracy/profile-step.ts [--patch 64] [--batch 4] [--starts 2048] [--repeat 5]
 */
import * as tf from '@tensorflow/tfjs-core';
import { annotationsFromRaster } from '../../src/engine/annotations/index.ts';
import { initBackend } from '../../src/engine/backends/select.ts';
import { computeNormalization, toNetworkInput } from '../../src/engine/infer/index.ts';
import { createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { labelsToCodes } from '../../src/engine/targets/index.ts';
import { sketchposeLoss } from '../../src/engine/train/losses/sketchpose-loss.ts';
import { disposeTargetBatch, stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import { ArrayImageSource, PatchSampler } from '../../src/engine/train/sampler/index.ts';
import { FRUGAL_SOURCE, prepare } from './data.ts';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const PATCH = Number(opt('patch', '64'));
const BATCH = Number(opt('batch', '4'));
const STARTS = Number(opt('starts', '2048'));
const REPEAT = Number(opt('repeat', '5'));

await initBackend('wasm');
const p = await prepare(new URL('../../../shared/data', import.meta.url).pathname, FRUGAL_SOURCE, 17);
const grey = { data: p.grey, shape: [p.shape[0], p.shape[1], 1] as [number, number, number] };
const input = toNetworkInput(grey, { channels: [0] }, computeNormalization(grey));
const codes = labelsToCodes({ data: p.labels, shape: p.shape }).data;
const sampler = new PatchSampler(
  [
    {
      image: new ArrayImageSource(input.data, input.shape),
      annotations: annotationsFromRaster({ data: codes, shape: p.shape }, 256),
    },
  ],
  { batchSize: BATCH, patch: PATCH, margin: 32, seed: 0 },
);
const net = createCPnet({ widths: 'small', seed: 0 });
const random = new Random(1);
const ms = (t: number) => (performance.now() - t).toFixed(0);
for (let r = 0; r < REPEAT; r++) {
  let t = performance.now();
  const b = await sampler.next();
  const tSample = ms(t);
  t = performance.now();
  const batch = stackTargets(b.targets, { random, maxEulerStarts: STARTS });
  const tStack = ms(t);
  const timeGrads = (withEuler: boolean) => {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const pred = net.apply(tf.tensor4d(b.image, b.shape), { training: true });
      const out = sketchposeLoss(pred, batch, withEuler ? {} : { euler: { steps: 0 } });
      return out.total;
    }, net.trainableVariables());
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    return ms(t0);
  };
  const tFull = timeGrads(true);
  const tNoEuler = timeGrads(false);
  disposeTargetBatch(batch);
  console.log(
    `sample+targets ${tSample} ms, stack ${tStack} ms, grads ${tFull} ms (without Euler ${tNoEuler} ms)`,
  );
}
