/**
 * Accuracy benchmark (issue 4 item 6, ALGORITHM.md §1): the small CPnet trained from scratch on
 * real images of ../shared/data with 100/50/25/10 % of the pixels annotated (the paper's §3.4.2
 * noise masks, src/engine/simulate) under one step budget, then evaluated on images it never saw:
 * tiled prediction, src/engine/masks reconstruction, and the metric code of `sketchpose evaluate`
 * (AP@0.5/0.75/0.9, mean Dice, AJI, by image, per modality). Plus the frugal case: simulated
 * strokes on a single image, tested on the other images of the same kind.
 *
 *   bash bench/accuracy/run.sh                       # the full run (see docs/benchmarks-accuracy.md)
 *   npx tsx bench/accuracy/run.ts --steps 20 --out bench/out/accuracy-smoke   # a quick check
 *
 * Options: --steps (per run), --batch, --patch, --lr, --frugal-cells, --diameter (objects are
 * rescaled to it), --tile, --runs fraction_100,fraction_50,fraction_25,fraction_10,frugal, --seed,
 * --data, --out, --weights euler=0.1 (overrides of the default loss weights), --modalities fluorescence (a subset); --prepare writes the ground truth and
 * prepared data first (run.sh does it once before starting the runs in parallel); --report only
 * merges runs/*.json into results.md.
 * Writes, under --out: data/ (the prepared images, labels and annotation codes, for
 * bench/original), gt/<modality>/, masks/<run>/<modality>/, runs/<run>.json, results.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { evaluateFiles } from '../../src/cli/evaluate.ts';
import { annotationsFromRaster } from '../../src/engine/annotations/index.ts';
import { initBackend } from '../../src/engine/backends/select.ts';
import {
  channelPlanes,
  computeNormalization,
  tiledPredict,
  toNetworkInput,
} from '../../src/engine/infer/index.ts';
import { writePng, writeTiff } from '../../src/engine/io/index.ts';
import { computeMasks } from '../../src/engine/masks/index.ts';
import { type CPnet, createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { annotatedFraction, simulatePartialMask, simulateStrokes } from '../../src/engine/simulate/index.ts';
import { labelsToCodes } from '../../src/engine/targets/index.ts';
import {
  DEFAULT_LOSS_WEIGHTS,
  type LossTermName,
  type LossWeights,
  PAPER_LOSS_WEIGHTS,
  sketchposeLoss,
} from '../../src/engine/train/losses/sketchpose-loss.ts';
import { stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import { RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';
import { ArrayImageSource, PatchSampler } from '../../src/engine/train/sampler/index.ts';
import { Trainer } from '../../src/engine/train/trainer.ts';
import type { MultiChannelRaster } from '../../src/engine/types.ts';
import { FRUGAL_SOURCE, MODALITIES, type Prepared, prepare, resizeLabels } from './data.ts';

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
function opt(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const STEPS = Number(opt('steps', '800'));
const BATCH = Number(opt('batch', '4'));
const PATCH = Number(opt('patch', '64'));
const LR = Number(opt('lr', '0.05'));
const FRUGAL_CELLS = Number(opt('frugal-cells', '20'));
const DIAMETER = Number(opt('diameter', '17'));
const TILE = Number(opt('tile', '224'));
const RUNS = opt('runs', 'fraction_100,fraction_50,fraction_25,fraction_10,frugal').split(',');
const PREPARE = argv.includes('--prepare');
/** only the modalities whose name starts with one of these (comma list); default all */
const ONLY = opt('modalities', '').split(',').filter(Boolean);
const REPORT = argv.includes('--report');
const SEED = Number(opt('seed', '0'));
const DATA = opt('data', new URL('../../../shared/data', import.meta.url).pathname);
const OUT = opt('out', 'bench/out/accuracy');
const SIGMA = Number(opt('sigma', '8'));
/**
 * Loss weights overriding the engine's defaults (`DEFAULT_LOSS_WEIGHTS`), e.g. `--weights
 * euler=0.1`; `--weights paper` starts from the paper's λ instead (`paper,euler=0.1` also works).
 */
const WEIGHTS: Partial<LossWeights> = (() => {
  const parts = opt('weights', '').split(',').filter(Boolean);
  const base: Partial<LossWeights> = parts.includes('paper') ? { ...PAPER_LOSS_WEIGHTS } : {};
  for (const kv of parts.filter((p) => p !== 'paper')) {
    const [k, v] = kv.split('=');
    if (!(k! in PAPER_LOSS_WEIGHTS) || !Number.isFinite(Number(v))) {
      throw new Error(
        `--weights: '${kv}' is not name=number with a name among ${Object.keys(PAPER_LOSS_WEIGHTS)}`,
      );
    }
    base[k as LossTermName] = Number(v);
  }
  return base;
})();
const TAUS = [0.5, 0.75, 0.9];

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

// ---------------------------------------------------------------- data
interface TrainItem {
  prepared: Prepared;
  input: MultiChannelRaster<Float32Array>;
}

function networkInput(p: Prepared): MultiChannelRaster<Float32Array> {
  const grey = { data: p.grey, shape: [p.shape[0], p.shape[1], 1] as [number, number, number] };
  return toNetworkInput(grey, { channels: [0] }, computeNormalization(grey));
}

async function loadAll() {
  const modalities = [];
  for (const m of MODALITIES) {
    if (ONLY.length > 0 && !ONLY.some((o) => m.name.startsWith(o))) continue;
    const train: TrainItem[] = [];
    for (const s of m.train) {
      const p = await prepare(DATA, s, DIAMETER);
      train.push({ prepared: p, input: networkInput(p) });
    }
    const test: TrainItem[] = [];
    for (const s of m.test) {
      const p = await prepare(DATA, s, DIAMETER);
      test.push({ prepared: p, input: networkInput(p) });
    }
    modalities.push({ name: m.name, train, test });
  }
  const frugalPrepared = await prepare(DATA, FRUGAL_SOURCE, DIAMETER);
  return { modalities, frugal: { prepared: frugalPrepared, input: networkInput(frugalPrepared) } };
}

// ---------------------------------------------------------------- training
interface Annotated {
  item: TrainItem;
  codes: Uint8Array;
}

async function train(runName: string, items: Annotated[], seed: number) {
  const sampler = new PatchSampler(
    items.map(({ item, codes }) => ({
      image: new ArrayImageSource(item.input.data, item.input.shape),
      annotations: annotationsFromRaster({ data: codes, shape: item.prepared.shape }, 256),
    })),
    { batchSize: BATCH, patch: PATCH, margin: 32, seed },
  );
  const net = createCPnet({ widths: 'small', seed });
  const optimizer = new RAdamOptimizer({ learningRate: LR, weightDecay: 1e-4 });
  const random = new Random(seed + 1);
  const trainer = new Trainer({
    net,
    optimizer,
    sampler,
    loss: (p, b) => sketchposeLoss(p, stackTargets(b.targets, { random }), { weights: WEIGHTS }),
  });
  const t0 = performance.now();
  let last = 0;
  const losses: Record<string, number>[] = [];
  await trainer.run({
    steps: STEPS,
    reportEvery: 10,
    onProgress: (p) => {
      losses.push({ step: p.step, loss: p.loss, ...p.terms });
      if (performance.now() - last > 30_000) {
        last = performance.now();
        log(
          `${runName}: step ${p.step}/${STEPS} loss ${p.loss.toFixed(3)} ${p.stepsPerSecond.toFixed(2)} steps/s`,
        );
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  optimizer.dispose();
  sampler.dispose();
  return { net, seconds, losses };
}

// ---------------------------------------------------------------- evaluation
function predictor(net: CPnet) {
  return async (batch: Float32Array, n: number, h: number, w: number) => {
    const out = tf.tidy(() => net.apply(tf.tensor4d(batch, [n, h, w, 2]), { training: false }));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
}

/** Masks at the original resolution of a test item: prediction, reconstruction, nearest resize. */
async function segment(
  net: CPnet,
  item: TrainItem,
): Promise<{ labels: Int32Array; count: number; foreground: number; trueForeground: number }> {
  const output = await tiledPredict(item.input, predictor(net), {
    tile: TILE,
    batchSize: 4,
    inputChannels: 2,
  });
  const [flowY, flowX, distance, boundary] = channelPlanes(output);
  const n = item.prepared.shape[0] * item.prepared.shape[1];
  const flow = new Float32Array(2 * n);
  flow.set(flowY!, 0);
  flow.set(flowX!, n);
  const masks = computeMasks({ shape: item.prepared.shape, distance: distance!, flow, boundary: boundary! });
  // diagnostics: share of pixels the network calls foreground (distance > 0) against the truth
  let fg = 0;
  let trueFg = 0;
  for (let i = 0; i < n; i++) {
    if (distance![i]! > 0) fg++;
    if (item.prepared.labels[i]! > 0) trueFg++;
  }
  return {
    labels: resizeLabels(masks.labels, item.prepared.shape, item.prepared.originalShape),
    count: masks.count,
    foreground: fg / n,
    trueForeground: trueFg / n,
  };
}

function writeLabels(path: string, labels: Int32Array, shape: [number, number]) {
  writeFileSync(path, writeTiff({ data: Uint32Array.from(labels), shape }));
}

interface ModalityScore {
  modality: string;
  images: number;
  ap: Record<string, number>;
  dice: number;
  aji: number;
}

async function evaluate(runName: string, net: CPnet, modalities: { name: string; test: TrainItem[] }[]) {
  const scores: ModalityScore[] = [];
  const images: { image: string; masks: number; foreground: number; trueForeground: number }[] = [];
  const t0 = performance.now();
  for (const m of modalities) {
    const predDir = join(OUT, 'masks', runName, slug(m.name));
    mkdirSync(predDir, { recursive: true });
    for (const item of m.test) {
      const { labels, count, foreground, trueForeground } = await segment(net, item);
      writeLabels(
        join(predDir, `${slug(item.prepared.source.name)}.tif`),
        labels,
        item.prepared.originalShape,
      );
      log(
        `${runName}: ${item.prepared.source.name} → ${count} masks; distance > 0 on ${(foreground * 100).toFixed(1)} % of pixels (true foreground ${(trueForeground * 100).toFixed(1)} %)`,
      );
      images.push({ image: item.prepared.source.name, masks: count, foreground, trueForeground });
    }
    const report = await evaluateFiles(predDir, join(OUT, 'gt', slug(m.name)), TAUS, 0);
    scores.push({
      modality: m.name,
      images: report.images,
      ap: Object.fromEntries(report.perTau.map((t) => [t.tau.toFixed(2), t.ap])),
      dice: report.meanDice,
      aji: report.aji,
    });
  }
  return { scores, images, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- main
const settings = () => ({
  steps: STEPS,
  batch: BATCH,
  patch: PATCH,
  lr: LR,
  diameter: DIAMETER,
  tile: TILE,
  seed: SEED,
  sigma: SIGMA,
  frugalCells: FRUGAL_CELLS,
  weights: { ...DEFAULT_LOSS_WEIGHTS, ...WEIGHTS },
  modalities: ONLY.length > 0 ? ONLY : 'all',
  net: 'small',
  backend: 'wasm',
});

function machine() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
}

async function runOne(
  name: string,
  modalities: Awaited<ReturnType<typeof loadAll>>['modalities'],
  frugal: TrainItem,
) {
  const t0 = performance.now();
  let result: Record<string, unknown>;
  const fractionMatch = /^fraction_(\d+)$/.exec(name);
  if (fractionMatch) {
    const fraction = Number(fractionMatch[1]) / 100;
    const items: Annotated[] = [];
    for (const m of modalities) {
      for (const [k, item] of m.train.entries()) {
        const p = item.prepared;
        const codes =
          fraction >= 1
            ? labelsToCodes({ data: p.labels, shape: p.shape }).data
            : simulatePartialMask(
                { data: p.labels, shape: p.shape },
                { fraction, sigma: SIGMA, seed: 1000 + k },
              ).data;
        items.push({ item, codes });
      }
    }
    let known = 0;
    let total = 0;
    for (const a of items) {
      known += annotatedFraction({ data: a.codes, shape: a.item.prepared.shape }) * a.codes.length;
      total += a.codes.length;
    }
    log(
      `${name}: training on ${items.length} images, ${((known / total) * 100).toFixed(1)} % of pixels annotated`,
    );
    const { net, seconds, losses } = await train(name, items, SEED);
    const ev = await evaluate(name, net, modalities);
    net.dispose();
    result = {
      run: name,
      fraction,
      annotated: known / total,
      trainSeconds: seconds,
      evalSeconds: ev.seconds,
      scores: ev.scores,
      images: ev.images,
      losses,
    };
  } else if (name === 'frugal') {
    const p = frugal.prepared;
    const { codes, objects } = simulateStrokes(
      { data: p.labels, shape: p.shape },
      { cells: FRUGAL_CELLS, seed: 7 },
    );
    const kept = annotatedFraction(codes);
    log(
      `frugal: strokes on ${objects.length} objects of ${p.source.name}, ${(kept * 100).toFixed(2)} % of pixels`,
    );
    const fluo = modalities.filter((m) => m.name === 'fluorescence nuclei');
    const { net, seconds, losses } = await train('frugal', [{ item: frugal, codes: codes.data }], SEED);
    const ev = await evaluate('frugal', net, fluo);
    net.dispose();
    result = {
      run: 'frugal',
      source: p.source.name,
      cells: objects.length,
      annotated: kept,
      trainSeconds: seconds,
      evalSeconds: ev.seconds,
      scores: ev.scores,
      images: ev.images,
      losses,
    };
  } else throw new Error(`unknown run '${name}'`);
  result.wallSeconds = (performance.now() - t0) / 1000;
  result.settings = settings();
  result.machine = machine();
  mkdirSync(join(OUT, 'runs'), { recursive: true });
  writeFileSync(join(OUT, 'runs', `${name}.json`), JSON.stringify(result, null, 1));
}

/** The frugal case's inputs for bench/original: image, strokes and the labels they came from. */
function writeFrugalData(frugal: TrainItem) {
  const p = frugal.prepared;
  const { codes } = simulateStrokes({ data: p.labels, shape: p.shape }, { cells: FRUGAL_CELLS, seed: 7 });
  writeFileSync(join(OUT, 'data', 'frugal_img.tif'), writeTiff({ data: p.grey, shape: p.shape }));
  writeFileSync(join(OUT, 'data', 'frugal_codes.png'), writePng(codes));
  writeFileSync(
    join(OUT, 'data', 'frugal_labels.tif'),
    writeTiff({ data: Uint32Array.from(p.labels), shape: p.shape }),
  );
}

async function main() {
  if (REPORT) {
    const dir = join(OUT, 'runs');
    const order = ['fraction_100', 'fraction_50', 'fraction_25', 'fraction_10', 'frugal', 'original_frugal'];
    const runs = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>)
      .sort((a, b) => order.indexOf(String(a.run)) - order.indexOf(String(b.run)));
    const md = markdown(runs);
    writeFileSync(join(OUT, 'results.md'), md);
    process.stdout.write(md);
    return;
  }
  const backend = await initBackend('wasm');
  log(`backend ${backend.name}; steps ${STEPS} × batch ${BATCH} × ${PATCH}²; diameter ${DIAMETER}`);
  const { modalities, frugal } = await loadAll();
  if (PREPARE) {
    // ground truth at the original resolution, and the prepared data for bench/original
    mkdirSync(join(OUT, 'data'), { recursive: true });
    for (const m of modalities) {
      const gtDir = join(OUT, 'gt', slug(m.name));
      mkdirSync(gtDir, { recursive: true });
      for (const t of m.test) {
        const p = t.prepared;
        writeLabels(join(gtDir, `${slug(p.source.name)}.tif`), p.originalLabels, p.originalShape);
        writeFileSync(
          join(OUT, 'data', `test_${slug(m.name)}__${slug(p.source.name)}_img.tif`),
          writeTiff({ data: p.grey, shape: p.shape }),
        );
        writeFileSync(
          join(OUT, 'data', `test_${slug(m.name)}__${slug(p.source.name)}_shape.json`),
          JSON.stringify({ original: p.originalShape, rescaled: p.shape, diameter: p.diameter }),
        );
      }
    }
    writeFrugalData(frugal);
    log(`prepared ${OUT}/gt and ${OUT}/data`);
  }
  for (const name of RUNS) if (name) await runOne(name, modalities, frugal);
}

function markdown(runs: Record<string, unknown>[]): string {
  const lines = [
    '| run | annotated | modality | test images | AP@0.5 | AP@0.75 | AP@0.9 | Dice | AJI | train s | eval s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    for (const sc of r.scores as ModalityScore[]) {
      lines.push(
        `| ${r.run} | ${((r.annotated as number) * 100).toFixed(1)} % | ${sc.modality} | ${sc.images} | ${sc.ap['0.50']!.toFixed(3)} | ${sc.ap['0.75']!.toFixed(3)} | ${sc.ap['0.90']!.toFixed(3)} | ${sc.dice.toFixed(3)} | ${sc.aji.toFixed(3)} | ${(r.trainSeconds as number).toFixed(0)} | ${(r.evalSeconds as number).toFixed(0)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
