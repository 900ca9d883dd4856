/**
 * RAdam against torch_optimizer 0.3.0 (tests/fixtures/radam/make_fixture.py). Invariants: fed the
 * same gradients, the parameters follow torch's trajectory to 1e-5 over 50 steps, whatever the
 * order of the gradient list; a save/restore in the middle changes nothing, bit for bit.
 */
import { readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import {
  add,
  disposeVariables,
  io,
  matMul,
  mean,
  memory,
  mul,
  type NamedTensorMap,
  type Scalar,
  serialization,
  setBackend,
  sin,
  square,
  sub,
  sum,
  tanh,
  tensor,
  tidy,
  type Variable,
  variable,
} from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NamedTensor, RADAM_DEFAULTS, RAdamOptimizer } from '../../src/engine/train/optim/radam.ts';

type ConfigDict = serialization.ConfigDict;

interface Run {
  config: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  steps: { loss: number; grads: Record<string, number[]>; params: Record<string, number[]> }[];
}
interface Fixture {
  versions: Record<string, string>;
  names: string[];
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  x: number[];
  y: number[];
  runs: Run[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/radam/radam_trajectories.json', import.meta.url), 'utf8'),
) as Fixture;
const f32 = (a: number[]) => Float32Array.from(a, Math.fround);

function optimizerFor(run: Run): RAdamOptimizer {
  const c = run.config;
  return new RAdamOptimizer({
    learningRate: c.lr,
    beta1: c.betas[0],
    beta2: c.betas[1],
    epsilon: c.eps,
    weightDecay: c.weight_decay,
  });
}

/** Parameters as named variables; `prefix` keeps names unique while an old set is alive. */
function makeParams(values: Record<string, Float32Array | number[]>, prefix = ''): Variable[] {
  return fixture.names.map((n) => {
    const v = values[n]!;
    return tidy(() =>
      variable(tensor(v instanceof Float32Array ? v : f32(v), fixture.shapes[n]), true, prefix + n),
    );
  });
}

/** The fixture's loss, recomputed with TensorFlow.js. */
function lossOf(params: Variable[]): Scalar {
  const [w, b, head, s] = params as [Variable, Variable, Variable, Variable];
  const x = tensor(f32(fixture.x), [6, 3]);
  const y = tensor(f32(fixture.y), [6, 2]);
  const out = matMul(tanh(add(matMul(x, w), b)), head);
  const penalty = mul(sum(mul(square(s), add(sin(mul(s, 3)), 1.5))), 0.1);
  return add(mean(square(sub(out, y))), penalty) as Scalar;
}

async function maxDiff(params: Variable[], want: Record<string, number[]>): Promise<number> {
  let worst = 0;
  for (let i = 0; i < params.length; i++) {
    const got = await params[i]!.data();
    const ref = f32(want[fixture.names[i]!]!);
    for (let j = 0; j < ref.length; j++) worst = Math.max(worst, Math.abs(got[j]! - ref[j]!));
  }
  return worst;
}

/** Rebuilds an optimizer the way a deserialiser does: by class name through the registry. */
function fromRegistry(config: ConfigDict): RAdamOptimizer {
  const entry = serialization.SerializationMap.getMap().classNameMap.RAdam;
  expect(entry).toBeDefined();
  const [cls, fromConfig] = entry!;
  return fromConfig(cls, config) as RAdamOptimizer;
}

beforeAll(async () => {
  await setBackend('cpu');
});
// a failed test must not leave its named variables registered for the next one
afterEach(() => disposeVariables());

describe('RAdamOptimizer against torch_optimizer.RAdam', () => {
  it('records the reference version', () => {
    expect(fixture.versions.torch_optimizer).toBe('0.3.0');
    expect(fixture.runs).toHaveLength(5);
  });

  it('un-rectified for t ≤ 5, rectified from t = 6 (β2 = 0.999, threshold 5)', () => {
    const opt = new RAdamOptimizer({ learningRate: 1 });
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => opt.stepSize(t).rectified)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    // un-rectified: lr / (1 − β1^t)
    expect(opt.stepSize(1).size).toBeCloseTo(1 / 0.05, 12);
  });

  it.each(fixture.runs.map((r, i) => [i, r] as const))(
    'open loop, config %i: fed torch gradients (shuffled order) the parameters match to 1e-5',
    async (_i, run) => {
      const before = memory().numTensors;
      const params = makeParams(fixture.init);
      const opt = optimizerFor(run);
      let worst = 0;
      for (let s = 0; s < run.steps.length; s++) {
        const step = run.steps[s]!;
        const grads = params.map((p, k) => ({
          name: p.name,
          tensor: tensor(f32(step.grads[fixture.names[k]!]!), p.shape),
        }));
        // rotate the order every step, and alternate list and map forms: slots are keyed by name
        const rotated = grads.slice(s % 4).concat(grads.slice(0, s % 4));
        if (s % 2 === 0) opt.applyGradients(rotated);
        else opt.applyGradients(Object.fromEntries(rotated.map((g) => [g.name, g.tensor])) as NamedTensorMap);
        for (const g of grads) g.tensor.dispose();
        worst = Math.max(worst, await maxDiff(params, step.params));
      }
      expect(worst).toBeLessThan(1e-5);
      expect(opt.iterations).toBe(50);
      opt.dispose();
      for (const p of params) p.dispose();
      expect(memory().numTensors).toBe(before);
    },
  );

  it.each(fixture.runs.map((r, i) => [i, r] as const))(
    'closed loop, config %i: gradients from TensorFlow.js, parameters match to 1e-5',
    async (_i, run) => {
      const params = makeParams(fixture.init);
      const opt = optimizerFor(run);
      let worst = 0;
      for (const step of run.steps) {
        opt.minimize(() => lossOf(params), false, params);
        worst = Math.max(worst, await maxDiff(params, step.params));
      }
      expect(worst).toBeLessThan(1e-5);
      opt.dispose();
      for (const p of params) p.dispose();
    },
  );
});

describe('RAdamOptimizer save and restore', () => {
  it('is registered for serialization and round-trips its config', () => {
    const opt = new RAdamOptimizer({ learningRate: 0.05, beta1: 0.9, weightDecay: 0 });
    const copy = fromRegistry(opt.getConfig());
    expect(copy).toBeInstanceOf(RAdamOptimizer);
    expect(copy.getConfig()).toEqual({ ...RADAM_DEFAULTS, learningRate: 0.05, beta1: 0.9, weightDecay: 0 });
    expect(() => new RAdamOptimizer({ beta2: 1 })).toThrow(/beta2/);
  });

  it('saving after 25 steps and restoring into fresh objects continues identically', async () => {
    const run = fixture.runs[0]!;
    const before = memory().numTensors;
    // uninterrupted
    const ref = makeParams(fixture.init);
    const refOpt = optimizerFor(run);
    for (let s = 0; s < 50; s++) refOpt.minimize(() => lossOf(ref), false, ref);
    const refValues = await Promise.all(ref.map((p) => p.data()));

    // 25 steps, save (through the binary weight format), drop everything, restore, 25 more steps
    let params = makeParams(fixture.init, 'a/');
    let opt = optimizerFor(run);
    for (let s = 0; s < 25; s++) opt.minimize(() => lossOf(params), false, params);
    const saved = await opt.getWeights();
    const { data, specs } = await io.encodeWeights(saved);
    for (const w of saved) w.tensor.dispose();
    const paramValues = Object.fromEntries(
      await Promise.all(
        params.map(async (p, k) => [fixture.names[k]!, (await p.data()) as Float32Array] as const),
      ),
    );
    const config = opt.getConfig();
    opt.dispose();
    for (const p of params) p.dispose();

    params = makeParams(paramValues, 'a/');
    opt = fromRegistry(config);
    const decoded = io.decodeWeights(data, specs);
    // any order: slots are matched by name
    const restored: NamedTensor[] = Object.entries(decoded)
      .reverse()
      .map(([name, t]) => ({ name, tensor: t }));
    await opt.setWeights(restored);
    for (const w of restored) w.tensor.dispose();
    expect(opt.iterations).toBe(25);
    for (let s = 0; s < 25; s++) opt.minimize(() => lossOf(params), false, params);
    const got = await Promise.all(params.map((p) => p.data()));
    for (let k = 0; k < got.length; k++) expect(Array.from(got[k]!)).toEqual(Array.from(refValues[k]!));
    expect(opt.iterations).toBe(50);

    opt.dispose();
    refOpt.dispose();
    for (const p of [...params, ...ref]) p.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('leaves no tensors behind per step', () => {
    const params = makeParams(fixture.init, 'leak/');
    const opt = new RAdamOptimizer();
    opt.minimize(() => lossOf(params), false, params);
    const n = memory().numTensors;
    for (let s = 0; s < 5; s++)
      tidy(() => {
        opt.minimize(() => lossOf(params), false, params);
      });
    expect(memory().numTensors).toBe(n);
    opt.dispose();
    for (const p of params) p.dispose();
  });
});
