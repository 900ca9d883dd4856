/**
 * wasm heap used by one full-width CPnet training micro-batch (forward in train mode + the six-term
 * sketchposeLoss + backward), by micro-batch size, at a patch side: the heap of tfjs-backend-wasm
 * only grows, so its size after a step of m patches is that step's peak. Each size runs in a fresh
 * process (the heap never shrinks). Calibrates `estimateTrainingBytes` (src/engine/train/micro-batch.ts).
 *
 *   npx tsx bench/train/heap.ts <micro> [side=224] [widths=full]
 */
import {
  dispose,
  engine,
  randomNormal,
  type Scalar,
  type Tensor4D,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends/select.ts';
import { createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, labelsToCodes } from '../../src/engine/targets/index.ts';
import { sketchposeLoss } from '../../src/engine/train/losses/sketchpose-loss.ts';
import { stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import { estimateTrainingBytes } from '../../src/engine/train/micro-batch.ts';

const [m, side, widths] = [
  Number(process.argv[2] ?? 1),
  Number(process.argv[3] ?? 224),
  process.argv[4] ?? 'full',
];
await initBackend('wasm');
const heap = () =>
  (engine().backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / 2 ** 30;
const net = createCPnet({ widths: widths as 'full', seed: 0 });
const before = heap();
const labels = new Int32Array(side * side).map((_, i) =>
  (i % side) % 40 < 30 && Math.floor(i / side) % 40 < 30 ? 1 + Math.floor(i / 40) : 0,
);
const targets = Array.from({ length: m }, () =>
  computeTargets(labelsToCodes({ data: labels, shape: [side, side] })),
);
const x = randomNormal([m, side, side, 2], 0, 1, 'float32', 5) as Tensor4D;
const t0 = performance.now();
const { value, grads } = variableGrads(
  () =>
    sketchposeLoss(net.apply(x, { training: true }), stackTargets(targets, { random: new Random(1) }))
      .total as Scalar,
  net.trainableVariables(),
);
value.dataSync();
const s = (performance.now() - t0) / 1000;
dispose([value, ...Object.values(grads), x]);
const est = estimateTrainingBytes(net.config, side, m) / 2 ** 30;
console.log(
  JSON.stringify({
    micro: m,
    side,
    widths,
    heapBeforeGiB: before,
    heapAfterGiB: heap(),
    estimateGiB: est,
    seconds: s,
  }),
);
