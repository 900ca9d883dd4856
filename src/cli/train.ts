/**
 * `sketchpose train`: trains the network on one image and its (partial) annotations, headless, with
 * the same sampler, targets, losses and optimizer as the browser worker. Writes the weights, a
 * checkpoint every `--checkpoint-every` steps (weights + optimizer state, resumable) and a loss log
 * (`loss.jsonl`, one line per report) into `--out`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../engine/backends/select.ts';
import { ValueError } from '../engine/errors.ts';
import { createCPnet } from '../engine/model/index.ts';
import { Random } from '../engine/random.ts';
import { type CheckpointManifest, restoreCheckpoint, saveCheckpoint } from '../engine/train/checkpoint.ts';
import { chooseMicroBatch, sketchposeBatchLoss } from '../engine/train/micro-batch.ts';
import { RAdamOptimizer } from '../engine/train/optim/radam.ts';
import { ArrayImageSource, PatchSampler } from '../engine/train/sampler/index.ts';
import { type Progress, Trainer } from '../engine/train/trainer.ts';
import { parseArgs, parseNumberList, usage } from './args.ts';
import { loadAnnotationInput, loadNetworkImage } from './inputs.ts';
import { loadInto, saveModel } from './model-files.ts';

const SPEC = {
  image: { required: true, help: 'image: PNG/TIFF or an OME-Zarr image (.zarr)' },
  annotations: { required: true, help: 'codes 0-3: PNG/TIFF, or store.zarr#labels/annotations' },
  out: { required: true, help: 'output directory (weights, checkpoint, loss.jsonl)' },
  from: { help: 'start from weights: a model directory, weights.json, or an Omnipose/Cellpose .pth' },
  resume: { help: 'resume from a checkpoint directory (weights and optimizer state)' },
  epochs: { default: '100', help: 'epochs; one epoch = max(images, batch) samples (Sketchpose)' },
  batch: { default: '8', help: 'batch size' },
  patch: { default: '224', help: 'patch side in pixels (multiple of 8)' },
  margin: { default: '32', help: 'context margin around each patch for the targets' },
  net: { default: 'small', help: "network widths: 'small', 'full' (Omnipose, 6.6 M parameters)" },
  lr: {
    default: '0.05',
    help: 'RAdam learning rate (docs/training.md: 0.05 with the default loss weights)',
  },
  'weight-decay': { default: '1e-4', help: 'decoupled weight decay' },
  channels: { default: '0', help: 'image channels to use: segment[,second], 0-based' },
  seed: { default: '0', help: 'random seed (sampler, augmentation, initialisation)' },
  backend: { default: 'auto', help: 'auto | cpu | wasm' },
  'micro-batch': {
    default: 'auto',
    help: 'patches per forward/backward pass, gradients accumulated over the batch (auto: what fits the 4 GiB wasm heap)',
  },
  'checkpoint-every': { default: '50', help: 'steps between checkpoints' },
  'report-every': { default: '5', help: 'steps between progress reports' },
  quiet: { flag: true, help: 'no progress bar' },
  help: { flag: true, help: 'show this help' },
} as const;

export const TRAIN_HELP = usage('train', 'train on an image and its strokes', SPEC);

function bar(p: Progress): string {
  const width = 24;
  const done = Math.round((p.step / p.totalSteps) * width);
  const terms = Object.entries(p.terms)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} (${terms}) ${p.stepsPerSecond.toFixed(2)} steps/s ETA ${Math.ceil(p.eta)} s`;
}

export async function trainCommand(argv: string[], signal?: AbortSignal): Promise<number> {
  const { options: o } = parseArgs(argv, SPEC);
  if (o.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  const num = (k: keyof typeof SPEC) => {
    const v = Number(o[k]);
    if (!Number.isFinite(v)) throw new ValueError(`--${k} must be a number, got '${o[k]}'`);
    return v;
  };
  const out = String(o.out);
  mkdirSync(out, { recursive: true });
  const backend = await initBackend(String(o.backend) as 'auto');
  const log = (m: string) => {
    if (!o.quiet) console.error(m);
  };
  log(`backend: ${backend.name} (${backend.reason})`);
  const image = await loadNetworkImage(String(o.image), parseNumberList(String(o.channels), '--channels'));
  const annotations = await loadAnnotationInput(String(o.annotations));
  const seed = num('seed');
  const batch = num('batch');
  const sampler = new PatchSampler(
    [{ image: new ArrayImageSource(image.input.data, image.input.shape), annotations }],
    { batchSize: batch, patch: num('patch'), margin: num('margin'), seed },
  );
  const net = createCPnet({ nchan: 2, nout: 4, widths: String(o.net) as 'small', seed });
  const optimizer = new RAdamOptimizer({ learningRate: num('lr'), weightDecay: num('weight-decay') });
  let startStep = 0;
  if (o.resume) {
    const dir = String(o.resume);
    const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointManifest;
    startStep = await restoreCheckpoint(
      net,
      optimizer,
      manifest,
      new Uint8Array(readFileSync(join(dir, 'checkpoint.bin'))),
    );
    log(`resumed from ${dir} at step ${startStep}`);
  } else if (o.from) {
    loadInto(net, String(o.from));
    log(`initialised from ${o.from}`);
  }
  const random = new Random(seed + 1);
  const microArg = String(o['micro-batch']);
  const microBatch =
    microArg === 'auto'
      ? backend.name === 'wasm'
        ? chooseMicroBatch(net.config, num('patch'), batch)
        : batch
      : num('micro-batch');
  if (microBatch < batch) log(`micro-batches of ${microBatch} patches, gradients accumulated over ${batch}`);
  const trainer = new Trainer({
    net,
    optimizer,
    sampler,
    loss: sketchposeBatchLoss({ random }),
    stepsPerEpoch: Math.ceil(Math.max(1, batch) / batch),
    microBatch,
  });
  const steps = Math.max(0, num('epochs') * Math.ceil(Math.max(1, batch) / batch) - startStep);
  const logLines: string[] = [];
  const writeCheckpoint = async (step: number) => {
    const { manifest, data } = await saveCheckpoint(net, optimizer, step);
    mkdirSync(join(out, 'checkpoint'), { recursive: true });
    writeFileSync(join(out, 'checkpoint', 'checkpoint.json'), JSON.stringify(manifest));
    writeFileSync(join(out, 'checkpoint', 'checkpoint.bin'), data);
  };
  log(`training ${steps} steps of batch ${batch} on ${sampler.annotatedPixels} annotated pixels`);
  const result = await trainer.run({
    steps,
    startStep,
    signal,
    reportEvery: num('report-every'),
    checkpointEvery: num('checkpoint-every'),
    onCheckpoint: writeCheckpoint,
    onProgress: (p) => {
      logLines.push(
        JSON.stringify({ step: p.step, loss: p.loss, ...p.terms, stepsPerSecond: p.stepsPerSecond }),
      );
      writeFileSync(join(out, 'loss.jsonl'), `${logLines.join('\n')}\n`);
      if (!o.quiet) process.stderr.write(`\r${bar(p)}`);
    },
  });
  if (!o.quiet) process.stderr.write('\n');
  await writeCheckpoint(startStep + result.steps);
  await saveModel(net, out, {
    training: {
      steps: startStep + result.steps,
      backend: backend.name,
      normalization: image.stats,
      image: String(o.image),
    },
  });
  log(`${result.aborted ? 'stopped' : 'done'} after ${result.steps} steps; weights in ${out}`);
  net.dispose();
  optimizer.dispose();
  sampler.dispose();
  return 0;
}
