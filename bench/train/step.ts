/**
 * TensorFlow.js side of bench/train/run.sh: one full-width CPnet (createCPnet({ widths: 'full' }),
 * 6,600,876 parameters) training step and one eval-mode inference, on the `wasm` (with our training
 * kernels, src/engine/backends/wasm-gradients.ts) or `cpu` backend chosen by initBackend.
 *
 *   npx tsx bench/train/step.ts --backend wasm [--batch 8 --side 224 --micro auto|m] [--infer-side 1024]
 *                               [--repeats 3] [--warmup 1] [--skip train,loss,infer] [--out file.json]
 *
 * - train: forward (training mode: batch-statistics BatchNorm) + sketchposeLoss (all six terms,
 *   paper λ's, 2,048 Euler starts per patch, 15 steps) + backward (tf.variableGrads over the
 *   trainable variables) + RAdamOptimizer.applyGradients (Sketchpose defaults). With `--micro m`
 *   < batch, the batch is split into batch/m micro-batches whose gradients are summed and divided
 *   by their count before one optimizer update (gradient accumulation; BatchNorm then normalises
 *   with each micro-batch's statistics, and each micro-batch's loss is normalised by its own sets).
 *   Targets: computeTargets on synthetic partial annotations (random disks through labelsToCodes,
 *   a quarter of each patch left unknown), stacked with stackTargets: built once, not timed.
 * - loss: sketchposeLoss forward + gradient with respect to a fixed prediction (its share of a step).
 * - infer: net.apply(x, { training: false }) on 1 × side × side × 2, read back with data().
 *   `--infer-mode lean` runs the same blocks.ts functions with one tidy per batchconv, freeing each
 *   intermediate once used (leanForward): net.apply's single tidy keeps every intermediate of the
 *   forward alive and overflows the 4 GiB wasm heap at 1024².
 * Times are wall-clock seconds of each whole call (the backends run synchronously; the result is
 * read back before the clock stops). One JSON object on stdout (or --out), progress on stderr.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  add,
  dispose,
  memory,
  type NamedTensorMap,
  randomNormal,
  type Scalar,
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  tidy,
  variable,
  variableGrads,
  version_core,
} from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends/select.ts';
import {
  batchConv,
  batchConvShortcut,
  batchConvStyle,
  type ForwardContext,
  makeStyle,
  maxPool2,
  upsample2,
} from '../../src/engine/model/blocks.ts';
import { resolveConfig } from '../../src/engine/model/config.ts';
import { type CPnet, createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, labelsToCodes, UNKNOWN } from '../../src/engine/targets/index.ts';
import { sketchposeLoss } from '../../src/engine/train/losses/sketchpose-loss.ts';
import {
  disposeTargetBatch,
  stackTargets,
  type TargetBatch,
} from '../../src/engine/train/losses/target-batch.ts';
import { chooseMicroBatch } from '../../src/engine/train/micro-batch.ts';
import { RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';

// ---------------------------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback;
}
const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const batch = Number(arg('batch', '8'));
const side = Number(arg('side', '224'));
// `--micro auto`: the size the trainer would choose on this backend (micro-batch.ts)
const microArg = arg('micro', 'auto');
const micro =
  microArg === 'auto'
    ? backend === 'wasm'
      ? chooseMicroBatch(resolveConfig({ widths: 'full' }), side, batch)
      : batch
    : Number(microArg);
const inferSide = Number(arg('infer-side', '1024'));
const inferMode = arg('infer-mode', 'apply') as 'apply' | 'lean';
const repeats = Number(arg('repeats', '3'));
const warmup = Number(arg('warmup', '1'));
const skip = new Set(arg('skip', '').split(',').filter(Boolean));
const outFile = arg('out', '');
if (batch % micro !== 0) throw new Error(`--micro ${micro} must divide --batch ${batch}`);

const log = (msg: string) => process.stderr.write(`[${backend}] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// timing

interface Timing {
  min: number;
  median: number;
  runs: number[];
  warmup: number;
  /** CPU seconds (user + system, all threads of the process) of each timed run: load-independent */
  cpu: number[];
  cpuMin: number;
}

async function timed(
  what: string,
  fn: () => Promise<void> | void,
  runs = repeats,
  warm = warmup,
): Promise<Timing> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < warm + runs; k++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const s = (performance.now() - t) / 1000;
    const used = process.cpuUsage(c);
    const cs = (used.user + used.system) / 1e6;
    log(
      `${what} ${k < warm ? 'warm-up' : `run ${k - warm + 1}/${runs}`}: ${s.toFixed(2)} s, cpu ${cs.toFixed(2)} s (tensors ${memory().numTensors})`,
    );
    if (k >= warm) {
      times.push(s);
      cpu.push(cs);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    min: sorted[0]!,
    median: sorted[Math.floor(sorted.length / 2)]!,
    runs: times,
    warmup: warm,
    cpu,
    cpuMin: Math.min(...cpu),
  };
}

// ---------------------------------------------------------------------------------------------
// synthetic data

/** Random disks (radius 8-18 px) as labels → codes, with one random quarter-size block unknown. */
function syntheticCodes(random: Random, n: number) {
  const labels = new Int32Array(n * n);
  for (let k = 1; k <= 14; k++) {
    const r = 8 + 10 * random.next();
    const cy = r + (n - 2 * r) * random.next();
    const cx = r + (n - 2 * r) * random.next();
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(n - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(n - 1, Math.ceil(cx + r)); x++) {
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r && labels[y * n + x] === 0) labels[y * n + x] = k;
      }
    }
  }
  const codes = labelsToCodes({ data: labels, shape: [n, n] });
  const h = n >> 1;
  const oy = Math.floor(random.next() * h);
  const ox = Math.floor(random.next() * h);
  for (let y = oy; y < oy + h; y++) codes.data.fill(UNKNOWN, y * n + ox, y * n + ox + h);
  return codes;
}

interface MicroBatch {
  x: Tensor4D;
  targets: TargetBatch;
}

function microBatches(random: Random): MicroBatch[] {
  const out: MicroBatch[] = [];
  for (let b = 0; b < batch; b += micro) {
    const targets = Array.from({ length: micro }, () => computeTargets(syntheticCodes(random, side)));
    out.push({
      x: randomNormal([micro, side, side, 2], 0, 1, 'float32', 100 + b) as Tensor4D,
      targets: stackTargets(targets, { random }),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the measured operations

function trainStep(net: CPnet, optimizer: RAdamOptimizer, parts: MicroBatch[]): number {
  const vars = net.trainableVariables();
  let acc: NamedTensorMap | undefined;
  let loss = 0;
  for (const part of parts) {
    const { value, grads } = variableGrads(
      () => sketchposeLoss(net.apply(part.x, { training: true }), part.targets).total,
      vars,
    );
    loss += value.dataSync()[0]!;
    value.dispose();
    if (acc === undefined) acc = grads;
    else {
      for (const [name, g] of Object.entries(grads)) {
        const sum = add(acc[name]!, g);
        dispose([acc[name]!, g]);
        acc[name] = sum;
      }
    }
  }
  if (parts.length > 1) {
    for (const name of Object.keys(acc!)) {
      const scaled = tidy(() => acc![name]!.div(parts.length));
      acc![name]!.dispose();
      acc![name] = scaled;
    }
  }
  optimizer.applyGradients(acc!);
  dispose(Object.values(acc!));
  // the update is done when a changed variable can be read
  vars[vars.length - 1]!.dataSync();
  return loss / parts.length;
}

/**
 * CPnet.forward (eval mode) with one tidy per batchconv, freeing each intermediate as soon as it
 * is used: the same blocks.ts functions in the same order, but only the skips and the current
 * block's live tensors stay allocated (net.apply keeps every intermediate until its single tidy
 * ends, which overflows the 4 GiB wasm heap at 1024²).
 */
function leanForward(net: CPnet, x: Tensor4D): Tensor4D {
  const ctx: ForwardContext = {
    training: false,
    param: (key) => net.variables.get(key)!,
    setBuffer: () => {
      throw new Error('eval mode sets no buffer');
    },
  };
  /** `a + b`, freeing both. */
  const sum2 = (a: Tensor4D, b: Tensor4D) => {
    const s = add<Tensor4D>(a, b);
    dispose([a, b]);
    return s;
  };
  const down = (prefix: string, input: Tensor4D): Tensor4D => {
    const c = (t: number, y: Tensor4D) => tidy(() => batchConv(ctx, `${prefix}.conv.conv_${t}`, y));
    const c0 = c(0, input);
    const c1 = c(1, c0);
    c0.dispose();
    const y = sum2(
      tidy(() => batchConvShortcut(ctx, `${prefix}.proj`, input)),
      c1,
    );
    const c2 = c(2, y);
    const c3 = c(3, c2);
    c2.dispose();
    return sum2(y, c3);
  };
  const up = (prefix: string, input: Tensor4D, skip: Tensor4D, style: Tensor2D): Tensor4D => {
    const cs = (t: number, y: Tensor4D) =>
      tidy(() => batchConvStyle(ctx, `${prefix}.conv.conv_${t}`, style, y));
    const first = tidy(() => add<Tensor4D>(batchConv(ctx, `${prefix}.conv.conv_0`, input), skip));
    const c1 = cs(1, first);
    first.dispose();
    const y = sum2(
      tidy(() => batchConvShortcut(ctx, `${prefix}.proj`, input)),
      c1,
    );
    const c2 = cs(2, y);
    const c3 = cs(3, c2);
    c2.dispose();
    return sum2(y, c3);
  };
  const levels = net.config.widths.length;
  const xd: Tensor4D[] = [];
  for (let n = 0; n < levels; n++) {
    if (n === 0) xd.push(down(`downsample.down.res_down_0`, x));
    else {
      const pooled = maxPool2(xd[n - 1]!);
      xd.push(down(`downsample.down.res_down_${n}`, pooled));
      pooled.dispose();
    }
  }
  const style = tidy(() => makeStyle(xd[levels - 1]!));
  let y = up(`upsample.up.res_up_${levels - 1}`, xd[levels - 1]!, xd[levels - 1]!, style);
  for (let n = levels - 2; n >= 0; n--) {
    const upsampled = upsample2(y);
    y.dispose();
    y = up(`upsample.up.res_up_${n}`, upsampled, xd[n]!, style);
    upsampled.dispose();
  }
  const out = tidy(() => batchConv(ctx, 'output', y));
  dispose([...xd, style, y]);
  return out;
}

// ---------------------------------------------------------------------------------------------

const choice = await initBackend(backend);
if (choice.name !== backend) throw new Error(`wanted ${backend}, got ${choice.name}: ${choice.reason}`);
log(choice.reason);
const net = createCPnet({ widths: 'full', seed: 0 });
log(`CPnet full: ${net.parameterCount} parameters`);
const result: Record<string, unknown> = {
  runtime: `tfjs-${backend}`,
  backend: choice.name,
  reason: choice.reason,
  node: process.version,
  tfjs: version_core,
  cpu: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`,
  parameters: net.parameterCount,
};

const random = new Random(1);
if (!skip.has('train') || !skip.has('loss')) {
  const t0 = performance.now();
  const parts = microBatches(random);
  log(
    `targets for ${batch} × ${side}² built in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`,
  );
  if (!skip.has('train')) {
    const optimizer = new RAdamOptimizer({ learningRate: 0.01 });
    const losses: number[] = [];
    const train = await timed(`train step ${batch}×${side}² (micro ${micro})`, () => {
      losses.push(trainStep(net, optimizer, parts));
    });
    result.train = { ...train, batch, side, micro, microBatches: batch / micro, lossValues: losses };
    optimizer.dispose();
  }
  if (!skip.has('loss')) {
    // a fixed prediction from the network (train mode), as a variable the loss is differentiated by
    const part = parts[0]!;
    const pred = variable(
      tidy(() => net.apply(part.x, { training: true })),
      true,
      'bench/prediction',
    );
    const loss = await timed(`loss fwd+bwd ${micro}×${side}²`, () => {
      const { value, grads } = variableGrads(
        () => sketchposeLoss(pred, part.targets).total as Scalar,
        [pred],
      );
      grads[pred.name]!.dataSync();
      dispose([value, ...Object.values(grads)]);
    });
    // per full batch: the loss is linear in the batch (micro-batches of `micro`)
    result.loss = { ...loss, batch: micro, side, perStepScale: batch / micro };
    pred.dispose();
  }
  for (const p of parts) {
    p.x.dispose();
    disposeTargetBatch(p.targets);
  }
}

if (!skip.has('infer')) {
  if (inferMode === 'lean') {
    // leanForward must compute what net.apply computes: compare on a small input
    const small = randomNormal([1, 64, 64, 2], 0, 1, 'float32', 8) as Tensor4D;
    const a = net.apply(small, { training: false });
    const b = leanForward(net, small);
    const diff = tidy(() => a.sub(b).abs().max().dataSync()[0]!);
    dispose([small, a, b]);
    log(`leanForward vs net.apply on 1×64²: max |diff| ${diff.toExponential(2)}`);
    if (!(diff < 1e-4)) throw new Error(`leanForward differs from net.apply by ${diff}`);
    result.leanCheckMaxAbsDiff = diff;
  }
  const x = randomNormal([1, inferSide, inferSide, 2], 0, 1, 'float32', 7) as Tensor4D;
  const infer = await timed(`inference 1×${inferSide}² (${inferMode})`, async () => {
    const out: Tensor = inferMode === 'lean' ? leanForward(net, x) : net.apply(x, { training: false });
    await out.data();
    out.dispose();
  });
  result.infer = { ...infer, side: inferSide, mode: inferMode };
  x.dispose();
}
net.dispose();

const json = JSON.stringify(result, null, 1);
if (outFile) writeFileSync(outFile, `${json}\n`);
else console.log(json);
