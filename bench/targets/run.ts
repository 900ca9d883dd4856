/**
 * Distance transform and target timings of this project, on the arrays the Python reference
 * benchmark uses (bench/targets/inputs.py), printed with the reference timings side by side.
 *
 *   bash bench/targets/run.sh            # runs the Python reference, then this, same inputs
 *   npx tsx bench/targets/run.ts DIR [reference.json]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { distanceToSeeds } from '../../src/engine/edt/index.ts';
import { computeTargets, connectedComponents, strokeSets } from '../../src/engine/targets/index.ts';
import type { Raster } from '../../src/engine/types.ts';
import { readNpy } from '../lib/npy.ts';

const dir = process.argv[2] ?? 'bench/out/inputs';
const referencePath = process.argv[3];

function load(name: string): Raster<Uint8Array> {
  const a = readNpy(`${dir}/${name}.npy`);
  return { data: a.data as Uint8Array, shape: [a.shape[0]!, a.shape[1]!] };
}

function bench(fn: () => void, repeats: number, warmup = 3): { median: number; min: number } {
  for (let k = 0; k < warmup; k++) fn();
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

const seeds2048 = load('seeds_2048');
const seeds288 = load('seeds_288');
const codes2048 = load('codes_2048');
const codes288 = load('codes_288');
const crop224 = { row: 32, col: 32, rows: 224, cols: 224 };

const ours: Record<string, { median: number; min: number }> = {
  edt_2048: bench(() => distanceToSeeds(seeds2048), 9),
  edt_feature_2048: bench(() => distanceToSeeds(seeds2048, { feature: true }), 9),
  edt_288: bench(() => distanceToSeeds(seeds288), 51),
  sets_288: bench(() => {
    strokeSets(codes288);
    connectedComponents({ data: codes288.data.map((v) => (v === 2 ? 1 : 0)), shape: codes288.shape }, 4);
  }, 51),
  sets_2048: bench(() => {
    strokeSets(codes2048);
    connectedComponents({ data: codes2048.data.map((v) => (v === 2 ? 1 : 0)), shape: codes2048.shape }, 4);
  }, 5),
  targets_224_patch: bench(() => computeTargets(codes288, { crop: crop224 }), 51),
  targets_2048: bench(() => computeTargets(codes2048), 5),
};

const ref: Record<string, number> = referencePath
  ? JSON.parse(readFileSync(referencePath, 'utf8')).timings_ms
  : {};
const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '–' : `${(b / a).toFixed(2)}×`;
const rows: [string, string, string | undefined, string][] = [
  ['EDT, 2048² (distance only)', 'edt_2048', 'scipy_edt_2048', 'scipy'],
  ['EDT, 2048² (distance only)', 'edt_2048', 'edt_2048', 'edt pkg'],
  ['EDT, 2048² with feature transform', 'edt_feature_2048', 'scipy_edt_2048', 'scipy (no features)'],
  ['EDT, 288²', 'edt_288', 'scipy_edt_288', 'scipy'],
  ['EDT, 288²', 'edt_288', 'edt_288', 'edt pkg'],
  ['sets + D + instances, 288² (no flows)', 'sets_288', 'original_targets_288', 'original recipe'],
  ['sets + D + instances, 2048² (no flows)', 'sets_2048', 'original_targets_2048', 'original recipe'],
  [
    'all targets, 224² patch + 32 px margin',
    'targets_224_patch',
    'original_targets_288',
    'original recipe (no flows)',
  ],
  ['all targets, 2048²', 'targets_2048', 'original_targets_2048', 'original recipe (no flows)'],
];
console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}`);
console.log('| case | ours (ms, median) | reference | reference (ms) | speed-up |');
console.log('|---|---|---|---|---|');
for (const [label, key, refKey, refName] of rows) {
  const o = ours[key]!.median;
  const r = refKey ? ref[refKey] : undefined;
  console.log(`| ${label} | ${fmt(o)} | ${refName} | ${fmt(r)} | ${ratio(o, r)} |`);
}
console.log(
  `\nper megapixel: EDT ${fmt(ours.edt_2048!.median / 4.194304)} ms, all targets ${fmt(ours.targets_2048!.median / 4.194304)} ms`,
);
