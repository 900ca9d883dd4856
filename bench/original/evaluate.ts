/**
 * Scores the original plugin's masks (bench/original/train_original.py) with the same metric code
 * as bench/accuracy (`evaluateFiles`, what `sketchpose evaluate` runs) and stores them next to the
 * benchmark's own runs, so `run.ts --report` lists both.
 *
 *   npx tsx bench/original/evaluate.ts OUT
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { evaluateFiles } from '../../src/cli/evaluate.ts';

const out = process.argv[2] ?? 'bench/out/accuracy';
const log = JSON.parse(readFileSync(join(out, 'original', 'log.json'), 'utf8'));
const report = await evaluateFiles(
  join(out, 'masks', 'original_frugal', 'fluorescence_nuclei'),
  join(out, 'gt', 'fluorescence_nuclei'),
  [0.5, 0.75, 0.9],
  0,
);
const frugal = JSON.parse(readFileSync(join(out, 'runs', 'frugal.json'), 'utf8'));
const result = {
  run: 'original_frugal',
  source: frugal.source,
  cells: frugal.cells,
  annotated: frugal.annotated,
  trainSeconds: log.trainSeconds,
  evalSeconds: log.evalSeconds,
  scores: [
    {
      modality: 'fluorescence nuclei',
      images: report.images,
      ap: Object.fromEntries(report.perTau.map((t) => [t.tau.toFixed(2), t.ap])),
      dice: report.meanDice,
      aji: report.aji,
    },
  ],
  original: log,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
};
writeFileSync(join(out, 'runs', 'original_frugal.json'), JSON.stringify(result, null, 1));
console.log(JSON.stringify(result.scores, null, 1));
