/**
 * Mask reconstruction timings of this project on the inputs of bench/masks/inputs.ts, side by side
 * with omnipose 1.0.6 (bench/masks/reference_bench.py), plus the agreement of the two results.
 *
 *   bash bench/masks/run.sh              # inputs, Python reference, then this
 *   npx tsx bench/masks/run.ts DIR [reference.json]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { computeMasks, eulerField, followFlows, hysteresisForeground } from '../../src/engine/masks/index.ts';
import { matching } from '../../src/engine/metrics/index.ts';
import { readNpy } from '../lib/npy.ts';

const dir = process.argv[2] ?? 'bench/out/masks';
const referencePath = process.argv[3];
const reference = referencePath ? JSON.parse(readFileSync(referencePath, 'utf8')) : undefined;

interface Timing {
  median: number;
  min: number;
  cpu_min: number;
}

/** Wall-clock median and minimum, and the minimum process CPU time (steadier on a busy machine). */
function time(fn: () => void, repeats: number): Timing {
  fn(); // warm-up
  const times: number[] = [];
  let cpuMin = Number.POSITIVE_INFINITY;
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    const c = process.cpuUsage();
    fn();
    const u = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpuMin = Math.min(cpuMin, (u.user + u.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, cpu_min: cpuMin };
}

console.log(
  `machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
if (reference)
  console.log(
    `reference: ${JSON.stringify(reference.versions)}, torch default threads ${reference.torch_default_threads}`,
  );
console.log(
  '| case | fg px | ours ms (median/min/CPU) | Euler CPU ms | Omnipose 1 thread ms (median/min/CPU) | ' +
    'Omnipose default threads ms | speed-up (CPU / wall min, 1 thread) | AP@0.5 vs Omnipose | masks ours/Omnipose | ' +
    "euler: 'fast' ms (median/min/CPU) | fast speed-up (CPU / wall min) | fast AP@0.5 vs Omnipose |",
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const f of readdirSync(dir)
  .filter((n) => n.endsWith('__distance.npy'))
  .sort()) {
  const name = f.slice(0, -'__distance.npy'.length);
  const d = readNpy(join(dir, f));
  const flow = readNpy(join(dir, `${name}__flow.npy`)).data as Float32Array;
  const shape: [number, number] = [d.shape[0]!, d.shape[1]!];
  const fields = { shape, distance: d.data as Float32Array, flow };
  let masks = computeMasks(fields);
  const ours = time(() => {
    masks = computeMasks(fields);
  }, 5);
  const fg = hysteresisForeground({ data: fields.distance, shape }, 0);
  const { field } = eulerField(flow, fg.mask, shape[0], shape[1], 1);
  const euler = time(() => followFlows(field, shape[0], shape[1], fg.pixels, 200), 3);
  let fastMasks = computeMasks(fields, { euler: 'fast' });
  const fast = time(() => {
    fastMasks = computeMasks(fields, { euler: 'fast' });
  }, 5);
  let ap = '–';
  let fastAp = '–';
  let counts = `${masks.count}/–`;
  const omniPath = join(dir, `${name}__omnipose.npy`);
  if (existsSync(omniPath)) {
    const o = readNpy(omniPath);
    const theirs = { data: o.data as Int32Array, shape };
    const apOf = (labels: Int32Array) => {
      const s = matching(theirs, { data: labels, shape }, { thresh: 0.5 });
      return (Array.isArray(s) ? s[0]! : s).accuracy.toFixed(4);
    };
    ap = apOf(masks.labels);
    fastAp = apOf(fastMasks.labels);
    let max = 0;
    for (let i = 0; i < o.data.length; i++) max = Math.max(max, o.data[i]!);
    counts = `${masks.count}/${max}`;
  }
  const ref1 = reference?.timings_ms[`${name}@1`];
  const refN = reference?.timings_ms[`${name}@${reference.torch_default_threads}`];
  const fmt = (t?: Timing) =>
    t ? `${t.median.toFixed(0)}/${t.min.toFixed(0)}/${t.cpu_min.toFixed(0)}` : '–';
  const ratio = (t: Timing) =>
    ref1 ? `${(ref1.cpu_min / t.cpu_min).toFixed(2)}× / ${(ref1.min / t.min).toFixed(2)}×` : '–';
  console.log(
    `| ${name}${masks.clustered ? ' (DBSCAN)' : ''} | ${fg.pixels.length} | ${fmt(ours)} | ${euler.cpu_min.toFixed(0)} | ${fmt(ref1)} | ${fmt(refN)} | ${ratio(ours)} | ${ap} | ${counts} | ${fmt(fast)} | ${ratio(fast)} | ${fastAp} |`,
  );
}
