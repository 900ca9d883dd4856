/**
 * Inference time of the full CPnet (6.6 M parameters) on one 1×2×S×S image (default S = 1024):
 * - onnxruntime-node on the ONNX export (src/engine/export/onnx.ts, BatchNorm folded), CPU
 *   execution provider, graph optimisation 'all', with 1 and with all cores as intra-op threads;
 * - TensorFlow.js wasm (src/engine/backends/select.ts `initBackend('wasm')`: XNNPACK, SIMD, one
 *   thread in Node), `net.apply(x, { training: false })`.
 * Each engine runs the whole image in one call, and its four (S/2)² quadrants one after the other
 * (tfjs wasm cannot hold the whole 1024² forward pass: its 32-bit heap overflows, "memory access
 * out of bounds"). Each: one warm-up, then R timed runs (wall clock, including ORT's NHWC↔NCHW
 * transposes and tfjs's download of the output); best and median are printed with the max
 * relative difference of tfjs's output from ORT's, as a Markdown table. The machine's load
 * average is printed too: other processes skew the numbers.
 *
 *   npx tsx bench/train/onnx-infer.ts [side=1024] [repeats=3] [--no-tfjs] [--out results.json]
 *
 * `--no-tfjs` leaves out the tfjs rows (bench/train/step.ts measures tfjs); `--out` also writes
 * every row as JSON (seconds) for bench/train/summarize.ts.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { type Tensor4D, tensor4d } from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends/select.ts';
import { exportCPnetOnnx } from '../../src/engine/export/onnx.ts';
import { createOnnxPredictor } from '../../src/engine/infer/onnx-runtime.ts';
import { createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out');
const side = Number(positional[0] ?? 1024);
const repeats = Number(positional[1] ?? 3);
const withTfjs = !process.argv.includes('--no-tfjs');
const outIndex = process.argv.indexOf('--out');
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const json: {
  engine: string;
  threads?: number;
  mode: string;
  min: number;
  median: number;
  runs: number[];
  cpu: number[];
  cpuMin: number;
}[] = [];

/** Wall-clock ms and CPU seconds (user + system, all threads: load-independent) of each run. */
async function time(
  run: () => Promise<Float32Array>,
): Promise<{ ms: number[]; cpu: number[]; out: Float32Array }> {
  let out = await run();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c = process.cpuUsage();
    out = await run();
    ms.push(performance.now() - t0);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1e6);
  }
  return { ms, cpu, out };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

const backend = await initBackend('wasm');
const net = createCPnet({ widths: 'full', seed: 0 });
const rng = new Random(1);
const x = Float32Array.from({ length: side * side * 2 }, () => rng.uniform(-1, 1));
const t0 = performance.now();
const exported = await exportCPnetOnnx(net);
const exportMs = performance.now() - t0;

/** The four side/2 × side/2 quadrants of `x` (NHWC, 2 channels). */
const half = side / 2;
const quadrants = [0, 1, 2, 3].map((q) => {
  const out = new Float32Array(half * half * 2);
  const [r0, c0] = [(q >> 1) * half, (q & 1) * half];
  for (let r = 0; r < half; r++)
    out.set(x.subarray(((r0 + r) * side + c0) * 2, ((r0 + r) * side + c0 + half) * 2), r * half * 2);
  return out;
});
/** Runs `one` on each quadrant in turn and concatenates the outputs. */
const byQuadrant = (one: (t: Float32Array, s: number) => Promise<Float32Array>) => async () => {
  const parts: Float32Array[] = [];
  for (const q of quadrants) parts.push(await one(q, half));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  for (const [i, p] of parts.entries()) out.set(p, i * p.length);
  return out;
};

const rows: string[] = [];
const row = (name: string, ms: number[], diff: string) =>
  rows.push(
    `| ${name} | ${Math.min(...ms).toFixed(0)} | ${median(ms).toFixed(0)} | ${ms.map((m) => m.toFixed(0)).join(', ')} | ${diff} |`,
  );
const reference: Record<string, Float32Array> = {};
const cores = os.availableParallelism();
for (const threads of [...new Set([1, cores])]) {
  const onnx = await createOnnxPredictor(exported.bytes, { threads });
  for (const mode of ['whole', 'quadrants'] as const) {
    const run =
      mode === 'whole'
        ? () => onnx.predict(x, 1, side, side)
        : byQuadrant((t, s) => onnx.predict(t, 1, s, s));
    const { ms, cpu, out } = await time(run);
    reference[mode] ??= out;
    row(`onnxruntime-node, ${threads} thread(s), ${mode}`, ms, '–');
    const sec = ms.map((m) => m / 1000);
    json.push({
      engine: 'onnxruntime-node',
      threads,
      mode,
      min: Math.min(...sec),
      median: median(sec),
      cpu,
      cpuMin: Math.min(...cpu),
      runs: sec,
    });
  }
  await onnx.release();
}

const tfjsOne = async (t: Float32Array, s: number) => {
  const input = tensor4d(t, [1, s, s, 2]) as Tensor4D;
  const y = net.apply(input, { training: false });
  const data = (await y.data()) as Float32Array;
  input.dispose();
  y.dispose();
  return data;
};
for (const mode of withTfjs ? (['whole', 'quadrants'] as const) : []) {
  const name = `tfjs ${backend.name} (1 thread), ${mode}`;
  try {
    const { ms, out } = await time(mode === 'whole' ? () => tfjsOne(x, side) : byQuadrant(tfjsOne));
    row(name, ms, relDiff(out, reference[mode]!).toExponential(1));
  } catch (err) {
    rows.push(`| ${name} | failed | – | – | ${(err as Error).message.slice(0, 80)} |`);
  }
}

console.log(
  `Full CPnet (${net.parameterCount} parameters), input 1×2×${side}×${side} (whole, or its four ${half}² quadrants ` +
    `one after the other); ${os.cpus()[0]?.model}, ${cores} cores, load average ${os.loadavg()[0]!.toFixed(1)}; ` +
    `Node ${process.version}; export ${exportMs.toFixed(0)} ms, ${(exported.bytes.length / 2 ** 20).toFixed(1)} MiB\n`,
);
console.log('| engine | best ms | median ms | runs ms | rel. diff vs ORT |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (outFile) {
  const meta = {
    side,
    parameters: net.parameterCount,
    exportSeconds: exportMs / 1000,
    loadavg: os.loadavg(),
  };
  writeFileSync(outFile, `${JSON.stringify({ ...meta, runs: json }, null, 1)}\n`);
}
net.dispose();
