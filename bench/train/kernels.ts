/**
 * Kernel timings for training on the Node backends: a 3×3 convolution layer, batch 8 × 64² × 32 →
 * 32 channels ('same', stride 1; 0.6 GFLOP per pass), forward and both backward kernels, plus the
 * 2×2 max-pool and 2× nearest-upsampling gradients of a U-Net level, on
 * - cpu: tfjs-backend-cpu (pure JavaScript; its ResizeNearestNeighborGrad is our fixed one),
 * - wasm built-in: tfjs-backend-wasm 4.22 as shipped (Conv2DBackpropFilter missing),
 * - wasm + ours: after registerWasmGradients() (src/engine/backends/wasm-gradients.ts).
 * wasm: median of N runs after one warm-up; cpu: one run (it is ~100× slower). Markdown table, ms.
 *
 *   npx tsx bench/train/kernels.ts [repeats=5]
 */
import os from 'node:os';
import {
  engine,
  image,
  maxPool,
  type NamedAttrMap,
  type NamedTensorMap,
  randomNormal,
  setBackend,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends/select.ts';

const repeats = Number(process.argv[2] ?? 5);
const [N, H, W, C] = [8, 64, 64, 32];

interface Case {
  name: string;
  kernel: string;
  /** Inputs built on the active backend (so no cross-backend copy is timed). */
  inputs: () => NamedTensorMap;
  attrs: NamedAttrMap;
}

const x = () => randomNormal([N, H, W, C], 0, 1, 'float32', 1) as Tensor4D;
const filter = () => randomNormal([3, 3, C, C], 0, 0.1, 'float32', 2) as Tensor4D;
const convAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };

const CASES: Case[] = [
  {
    name: 'conv 3×3 forward',
    kernel: 'Conv2D',
    inputs: () => ({ x: x(), filter: filter() }),
    attrs: convAttrs,
  },
  {
    name: 'conv 3×3 dx (Conv2DBackpropInput)',
    kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: x(), filter: filter() }),
    attrs: { ...convAttrs, inputShape: [N, H, W, C] },
  },
  {
    name: 'conv 3×3 dW (Conv2DBackpropFilter)',
    kernel: 'Conv2DBackpropFilter',
    inputs: () => ({ x: x(), dy: x() }),
    attrs: { ...convAttrs, filterShape: [3, 3, C, C] },
  },
  {
    name: 'maxPool 2×2 dx (MaxPoolGrad)',
    kernel: 'MaxPoolGrad',
    inputs: () => {
      const input = x();
      const output = maxPool(input, 2, 2, 'same');
      return { input, output, dy: randomNormal(output.shape, 0, 1, 'float32', 3) };
    },
    attrs: { filterSize: 2, strides: 2, pad: 'same' },
  },
  {
    name: 'upsample 2× dx (ResizeNearestNeighborGrad)',
    kernel: 'ResizeNearestNeighborGrad',
    inputs: () => {
      const images = randomNormal([N, H / 2, W / 2, C], 0, 1, 'float32', 4) as Tensor4D;
      return { images, dy: image.resizeNearestNeighbor(x(), [H, W]) };
    },
    attrs: { alignCorners: false, halfPixelCenters: false, size: [H, W] },
  },
];

/** Median and best time of one kernel, in ms. */
type Timing = { median: number; min: number } | 'missing' | 'error';

/** Times one kernel after `warmup` untimed runs, or says why it could not run. */
async function time(c: Case, runs: number, warmup: number): Promise<Timing> {
  const inputs = c.inputs();
  try {
    const times: number[] = [];
    for (let k = 0; k < warmup + runs; k++) {
      const t = performance.now();
      const out = engine().runKernel(c.kernel, inputs, c.attrs) as Tensor;
      await out.data();
      if (k >= warmup) times.push(performance.now() - t);
      out.dispose();
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
  } catch (error) {
    return (error as Error).message.includes('not registered') ? 'missing' : 'error';
  } finally {
    Object.values(inputs).forEach((t) => {
      t.dispose();
    });
  }
}

async function column(runs: number, warmup: number): Promise<Timing[]> {
  const out: Timing[] = [];
  for (const c of CASES) out.push(await time(c, runs, warmup));
  return out;
}

// cpu first (also loads the gradient functions), once: its Conv2DBackpropFilter takes ~75 s here.
await initBackend('cpu');
const cpu = await column(1, 0);
const wasm = await import('@tensorflow/tfjs-backend-wasm');
const { createRequire } = await import('node:module');
const { dirname, sep } = await import('node:path');
wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + sep);
await setBackend('wasm');
const builtIn = await column(repeats, 1);
const choice = await initBackend('wasm');
const ours = await column(repeats, 1);

const ms = (t: Timing) => (typeof t === 'string' ? t : t.median);
const fmt = (t: Timing) => (typeof t === 'string' ? t : `${t.median.toFixed(1)} (${t.min.toFixed(1)})`);
const total = (col: Timing[]) => {
  const conv = col.slice(0, 3).map(ms);
  return conv.every((v) => typeof v === 'number')
    ? (conv as number[]).reduce((a, b) => a + b, 0).toFixed(1)
    : 'n/a';
};
console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}`);
console.log(`backend: ${choice.reason}`);
console.log(
  `batch ${N} × ${H}×${W} × ${C} → ${C}; ms, wasm: median (min) of ${repeats} after a warm-up; cpu: one run\n`,
);
console.log('| kernel | cpu | wasm built-in | wasm + ours | built-in / ours (medians) |');
console.log('|---|---|---|---|---|');
CASES.forEach((c, i) => {
  const [b, o] = [ms(builtIn[i]!), ms(ours[i]!)];
  const ratio = typeof b === 'number' && typeof o === 'number' ? `${(b / o).toFixed(1)}×` : '–';
  console.log(`| ${c.name} | ${fmt(cpu[i]!)} | ${fmt(builtIn[i]!)} | ${fmt(ours[i]!)} | ${ratio} |`);
});
console.log(
  `| conv layer forward + dx + dW (medians) | ${total(cpu)} | ${total(builtIn)} | ${total(ours)} | |`,
);
