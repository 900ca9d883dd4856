/**
 * Where one full-width CPnet training micro-batch spends its time on a TensorFlow.js backend:
 * phases (train-mode forward; forward + sketchposeLoss + backward; RAdam update) and the top-level
 * kernels of forward + loss + backward from tf.profile (kernels a composite kernel runs inside
 * itself, such as our wasm Conv2DBackpropFilter's slices and matMuls, are counted in that kernel,
 * not again on their own). Markdown on stdout.
 *
 *   npx tsx bench/train/profile.ts [backend=wasm] [batch=1] [side=224] [top=14]
 */
import os from 'node:os';
import {
  dispose,
  engine,
  profile,
  randomNormal,
  type Scalar,
  type Tensor4D,
  tidy,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backends/select.ts';
import { createCPnet } from '../../src/engine/model/index.ts';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, labelsToCodes } from '../../src/engine/targets/index.ts';
import { sketchposeLoss } from '../../src/engine/train/losses/sketchpose-loss.ts';
import { disposeTargetBatch, stackTargets } from '../../src/engine/train/losses/target-batch.ts';
import { RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';

const [backendArg = 'wasm', batchArg = '1', sideArg = '224', topArg = '14'] = process.argv.slice(2);
const [batch, side, top] = [Number(batchArg), Number(sideArg), Number(topArg)];

await initBackend(backendArg as 'wasm' | 'cpu');
const net = createCPnet({ widths: 'full', seed: 0 });
const vars = net.trainableVariables();
const random = new Random(3);
const x = randomNormal([batch, side, side, 2], 0, 1, 'float32', 5) as Tensor4D;
// a simple full annotation is enough here: the loss's cost does not depend on the values
const targets = stackTargets(
  Array.from({ length: batch }, () => {
    const labels = new Int32Array(side * side);
    for (let i = 0; i < labels.length; i++) {
      const [r, c] = [Math.floor(i / side), i % side];
      labels[i] = r % 40 < 30 && c % 40 < 30 ? 1 + Math.floor(r / 40) * 8 + Math.floor(c / 40) : 0;
    }
    return computeTargets(labelsToCodes({ data: labels, shape: [side, side] }), { complete: true });
  }),
  { random },
);
const optimizer = new RAdamOptimizer({ learningRate: 0.01 });
const lossOf = () => sketchposeLoss(net.apply(x, { training: true }), targets).total as Scalar;

const seconds = (f: () => void) => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
// warm-up: one full micro-batch step
{
  const { value, grads } = variableGrads(lossOf, vars);
  optimizer.applyGradients(grads);
  dispose([value, ...Object.values(grads)]);
}
const fwd = seconds(() => tidy(() => net.apply(x, { training: true }).dataSync()));
const fwdLoss = seconds(() => tidy(() => lossOf().dataSync()));
let grads: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
const fwdBwd = seconds(() => {
  const r = variableGrads(lossOf, vars);
  r.value.dataSync();
  r.value.dispose();
  grads = r.grads;
});
const update = seconds(() => {
  optimizer.applyGradients(grads);
  vars[vars.length - 1]!.dataSync();
});
dispose(Object.values(grads));

// kernels (profiling adds a read-back per kernel: the total is a little above fwdBwd)
interface Rec {
  name: string;
  kernelTimeMs: number | Promise<number> | { error: string };
  depth?: number;
}
const info = await profile(() => {
  const kernels = (engine().state as unknown as { activeProfile: { kernels: Rec[] } }).activeProfile.kernels;
  kernels.push = (...recs: Rec[]) => {
    for (const r of recs) r.depth = engine().state.kernelDepth;
    return Array.prototype.push.apply(kernels, recs);
  };
  const r = variableGrads(lossOf, vars);
  r.value.dataSync();
  dispose([r.value, ...Object.values(r.grads)]);
});
const byName = new Map<string, { ms: number; calls: number }>();
let total = 0;
for (const k of info.kernels as unknown as Rec[]) {
  if (k.depth !== 0 || typeof k.kernelTimeMs !== 'number') continue;
  const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += k.kernelTimeMs;
  e.calls += 1;
  byName.set(k.name, e);
  total += k.kernelTimeMs;
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);

console.log(
  `\n### tfjs ${backendArg}: one micro-batch ${batch} × ${side}² × 2, full CPnet (${os.cpus()[0]?.model} × ${os.cpus().length})\n`,
);
console.log('| phase | s |');
console.log('|---|---|');
console.log(`| forward (train mode) | ${fwd.toFixed(2)} |`);
console.log(`| forward + sketchposeLoss | ${fwdLoss.toFixed(2)} |`);
console.log(`| forward + loss + backward | ${fwdBwd.toFixed(2)} |`);
console.log(`| RAdam update (6.6 M parameters) | ${update.toFixed(2)} |`);
console.log(`\n| top-level kernel (forward + loss + backward) | calls | s | share |`);
console.log('|---|---|---|---|');
let shown = 0;
for (const [name, e] of rows.slice(0, top)) {
  shown += e.ms;
  console.log(
    `| ${name} | ${e.calls} | ${(e.ms / 1000).toFixed(2)} | ${((100 * e.ms) / total).toFixed(1)}% |`,
  );
}
console.log(
  `| ${rows.length - Math.min(top, rows.length)} others | | ${((total - shown) / 1000).toFixed(2)} | ${((100 * (total - shown)) / total).toFixed(1)}% |`,
);
console.log(`| total | | ${(total / 1000).toFixed(2)} | |`);
disposeTargetBatch(targets);
x.dispose();
optimizer.dispose();
net.dispose();
