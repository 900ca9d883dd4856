/**
 * The ratio table of bench/train/run.sh: reads the JSON each runtime wrote into `dir` (torch.json,
 * onnx.json, wasm.json, cpu.json; a missing one is a missing row) and load.txt, and prints
 * Markdown. Times are each runtime's best (minimum) run in seconds; ratios are against PyTorch's
 * time on the same task (> 1: slower than PyTorch). For inference the reference is PyTorch's faster
 * path (dense or MKL-DNN). A cpu train step measured on fewer patches than the batch is scaled to
 * the batch, and a cpu inference on a smaller image to 1024² by the pixel count (marked ≈).
 *
 *   npx tsx bench/train/summarize.ts bench/out/train/<stamp> [more dirs: fill missing runtimes]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.length > 2 ? process.argv.slice(2) : ['bench/out/train'];
/** A runtime's JSON from the first of `dirs` that has it. */
// biome-ignore lint/suspicious/noExplicitAny: loosely typed benchmark JSON
const read = (name: string): any => {
  const p = dirs.map((d) => join(d, name)).find((f) => existsSync(f));
  return p ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
};
const torch = read('torch.json');
const onnx = read('onnx.json');
const wasm = read('wasm.json');
const cpu = read('cpu.json');
const BATCH = 8;
const INFER_SIDE = 1024;

const fmt = (s: number | undefined) => (s === undefined ? '–' : s >= 100 ? s.toFixed(0) : s.toFixed(2));
const ratio = (s: number | undefined, ref: number | undefined) =>
  s === undefined || ref === undefined ? '–' : `${(s / ref).toFixed(2)}×`;

const torchTrain: number | undefined = torch?.train?.min;
const torchDense: number | undefined = torch?.infer?.min;
const torchMkl: number | undefined =
  typeof torch?.infer_mkldnn?.min === 'number' ? torch.infer_mkldnn.min : undefined;
const torchInfer = [torchDense, torchMkl]
  .filter((v): v is number => v !== undefined)
  .sort((a, b) => a - b)[0];

interface Row {
  runtime: string;
  train?: number;
  trainNote?: string;
  infer?: number;
  inferNote?: string;
  /** CPU seconds (user + system, all threads), scaled like the wall times */
  trainCpu?: number;
  inferCpu?: number;
}
const rows: Row[] = [];
if (torch)
  rows.push({
    runtime: `PyTorch ${torch.versions.torch} CPU, ${torch.threads} threads (Omnipose ${torch.versions.omnipose} CPnet + loss)`,
    train: torchTrain,
    infer: torchDense,
    inferNote: 'dense',
    trainCpu: torch.train.cpuMin,
    inferCpu: torch.infer.cpuMin,
  });
if (torchMkl !== undefined)
  rows.push({
    runtime: "PyTorch, MKL-DNN inference (Omnipose's CPU path)",
    infer: torchMkl,
    inferCpu: torch.infer_mkldnn.cpuMin,
  });
for (const [name, r] of [
  ['tfjs wasm (XNNPACK, SIMD, 1 thread)', wasm],
  ['tfjs cpu (pure JavaScript)', cpu],
] as const) {
  if (!r) continue;
  const t = r.train;
  let train: number | undefined;
  let trainNote: string | undefined;
  if (t) {
    train = (t.min * BATCH) / t.batch;
    trainNote =
      t.batch < BATCH
        ? `≈ ${t.batch}-patch step × ${BATCH / t.batch}`
        : `${t.microBatches} micro-batch(es) of ${t.micro}`;
  }
  // inference measured on a smaller image is scaled by the pixel count (convolutions dominate)
  const scale = r.infer ? (INFER_SIDE / r.infer.side) ** 2 : 1;
  const how = r.infer?.mode === 'lean' ? 'one tidy per conv block' : 'net.apply';
  rows.push({
    runtime: name,
    train,
    trainNote,
    infer: r.infer ? r.infer.min * scale : undefined,
    trainCpu: t?.cpuMin === undefined ? undefined : (t.cpuMin * BATCH) / t.batch,
    inferCpu: r.infer?.cpuMin === undefined ? undefined : r.infer.cpuMin * scale,
    inferNote: r.infer ? (scale > 1 ? `≈ ${r.infer.side}² × ${scale}, ${how}` : how) : undefined,
  });
}
for (const o of onnx?.runs ?? []) {
  if (o.mode !== 'whole') continue;
  rows.push({
    runtime: `onnxruntime-node 1.30.0 CPU EP, ${o.threads} thread(s)`,
    infer: o.min,
    inferCpu: o.cpuMin,
    inferNote: 'BatchNorm folded',
  });
}

console.log(`Full CPnet (6,600,876 parameters). Train: one step of batch ${BATCH} × 2 × 224² (forward in`);
console.log('training mode, loss, backward, RAdam update). Inference: one 1 × 2 × 1024² image, eval mode.');
console.log(
  "Seconds: best run. Ratio: runtime ÷ PyTorch (train: PyTorch's step; inference: PyTorch's faster",
);
console.log(`path, ${fmt(torchInfer)} s). Goals: train ≤ 2×, inference ≤ 0.6×.\n`);
console.log('| runtime | train step s | train ÷ PyTorch | inference s | inference ÷ PyTorch | notes |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const notes = [r.trainNote, r.inferNote].filter(Boolean).join('; ');
  console.log(
    `| ${r.runtime} | ${r.trainNote?.startsWith('≈') ? '≈ ' : ''}${fmt(r.train)} | ${ratio(r.train, torchTrain)} | ${r.inferNote?.startsWith('≈') ? '≈ ' : ''}${fmt(r.infer)} | ${ratio(r.infer, torchInfer)} | ${notes} |`,
  );
}
const torchTrainCpu: number | undefined = torch?.train?.cpuMin;
const torchInferCpu = rows
  .filter((r) => r.runtime.startsWith('PyTorch'))
  .map((r) => r.inferCpu)
  .filter((v): v is number => v !== undefined)
  .sort((a, b) => a - b)[0];
if (rows.some((r) => r.trainCpu !== undefined || r.inferCpu !== undefined)) {
  console.log('\nCPU seconds (user + system, all threads of the process; best run): what each runtime costs');
  console.log('whatever the other load on the machine. A 1-thread runtime on an idle core takes about');
  console.log('this long; a 2-thread one at best half of it.\n');
  console.log('| runtime | train CPU s | ÷ PyTorch | inference CPU s | ÷ PyTorch |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const approx = (note?: string) => (note?.startsWith('≈') ? '≈ ' : '');
    console.log(
      `| ${r.runtime} | ${approx(r.trainNote)}${fmt(r.trainCpu)} | ${ratio(r.trainCpu, torchTrainCpu)} | ${approx(r.inferNote)}${fmt(r.inferCpu)} | ${ratio(r.inferCpu, torchInferCpu)} |`,
    );
  }
}
for (const dir of dirs) {
  const load = join(dir, 'load.txt');
  if (!existsSync(load)) continue;
  console.log(
    `\nMachine load (uptime) around each part of ${dir}:\n\n\`\`\`\n${readFileSync(load, 'utf8').trim()}\n\`\`\``,
  );
}
