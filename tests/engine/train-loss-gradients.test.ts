/**
 * Gradients of every loss term w.r.t. the prediction against central finite differences, on a
 * 1×6×7×4 prediction over a hand-made partial annotation where every summation set is non-empty.
 * float32 only (tfjs has no float64): ε = 1e-2, relative tolerance 1e-2 with a small absolute floor.
 * Invariant: the gradient is the derivative of the value (this is what makes positions in the Euler
 * term carry gradient: torchvf does not detach them either).
 */
import '@tensorflow/tfjs-backend-cpu';
import {
  dispose,
  grad,
  memory,
  type Scalar,
  setBackend,
  type Tensor,
  type Tensor4D,
  tensor4d,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/engine/random.ts';
import { computeTargets } from '../../src/engine/targets/index.ts';
import {
  boundaryLoss,
  disposeTargetBatch,
  distanceLoss,
  eulerLoss,
  flowLoss,
  flowNormLoss,
  inequalityLoss,
  sketchposeLoss,
  stackTargets,
  type TargetBatch,
} from '../../src/engine/train/index.ts';

// 0 unknown, 1 background, 2 cell, 3 drawn boundary; the border counts as unknown
const CODES = ['1111000', '1222220', '1222220', '3222220', '1122200', '1111000'];
const [H, W] = [6, 7];
const EPS = 1e-2;

const terms: Record<string, (p: Tensor4D, b: TargetBatch) => Scalar> = {
  boundary: boundaryLoss,
  distance: distanceLoss,
  flow: flowLoss,
  flowNorm: flowNormLoss,
  euler: (p, b) => eulerLoss(p, b),
  inequality: inequalityLoss,
};

function targets() {
  const data = Uint8Array.from(CODES.join(''), (ch) => Number(ch));
  return computeTargets({ data, shape: [H, W] });
}

function randomPrediction(seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(H * W * 4);
  for (let i = 0; i < H * W; i++) {
    out[4 * i] = 3 * rng.normal();
    out[4 * i + 1] = 3 * rng.normal();
    out[4 * i + 2] = 2 * rng.normal();
    out[4 * i + 3] = 2 * rng.normal();
  }
  return out;
}

async function valueAt(f: (p: Tensor4D, b: TargetBatch) => Scalar, x: Float32Array, batch: TargetBatch) {
  const p = tensor4d(x, [1, H, W, 4]);
  const v = f(p, batch);
  const out = (await v.data())[0]!;
  dispose([p, v]);
  return out;
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('loss gradients match central finite differences', () => {
  it('every set of the test annotation is non-empty', () => {
    const t = targets();
    for (const k of ['boundaryLoss', 'distanceLoss', 'inequality', 'valid', 'eulerStart'] as const) {
      expect(t.counts[k], k).toBeGreaterThan(0);
    }
  });

  it.each(Object.keys(terms))('%s: all 168 components within 1e-2 relative', async (name) => {
    const f = terms[name]!;
    const batch = stackTargets([targets()]);
    const before = memory().numTensors;
    const x = randomPrediction(7);
    const p = tensor4d(x, [1, H, W, 4]);
    const g = grad((q: Tensor) => f(q as Tensor4D, batch))(p);
    const analytic = (await g.data()) as Float32Array;
    dispose([p, g]);
    const scale = analytic.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    let worst = 0;
    let nonZero = 0;
    for (let i = 0; i < x.length; i++) {
      const up = Float32Array.from(x);
      const down = Float32Array.from(x);
      up[i] = x[i]! + EPS;
      down[i] = x[i]! - EPS;
      const fd = ((await valueAt(f, up, batch)) - (await valueAt(f, down, batch))) / (2 * EPS);
      const err = Math.abs(fd - analytic[i]!) / (Math.abs(analytic[i]!) + 1e-3 * scale);
      worst = Math.max(worst, err);
      if (Math.abs(analytic[i]!) > 1e-6) nonZero++;
    }
    expect(worst, `${name}: worst relative error ${worst}`).toBeLessThan(1e-2);
    // the term reaches a fair share of the components (its set is not trivially small)
    expect(nonZero).toBeGreaterThan(5);
    expect(memory().numTensors).toBe(before);
    disposeTargetBatch(batch);
  });

  it('the gradient of the total is Σ λ · the gradients of the terms', async () => {
    // (finite differences of the total itself drown in float32 rounding: it is in the hundreds)
    const batch = stackTargets([targets()]);
    const p = tensor4d(randomPrediction(7), [1, H, W, 4]);
    const weights = { boundary: 3, distance: 0.5, flow: 2, flowNorm: 1.5, euler: 0.25, inequality: 4 };
    const gradOf = async (f: (q: Tensor4D) => Scalar) => {
      const g = grad((q: Tensor) => f(q as Tensor4D))(p);
      const out = (await g.data()) as Float32Array;
      g.dispose();
      return out;
    };
    const total = await gradOf((q) => {
      const { total: t, terms: parts } = sketchposeLoss(q, batch, { weights });
      dispose(Object.values(parts));
      return t;
    });
    const want = new Float64Array(total.length);
    for (const [name, lambda] of Object.entries(weights)) {
      const g = await gradOf((q) => terms[name]!(q, batch));
      for (let i = 0; i < g.length; i++) want[i]! += lambda * g[i]!;
    }
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < total.length; i++) expect(Math.abs(total[i]! - want[i]!)).toBeLessThan(1e-5 * scale);
    dispose(p);
    disposeTargetBatch(batch);
  });
});
