/**
 * Invariants of the loss terms and of the batch they read: each term vanishes at its target;
 * each is normalised by its own set (duplicating the batch or padding the patch with unmasked
 * pixels changes nothing); empty sets give 0 with finite gradients.
 */
import '@tensorflow/tfjs-backend-cpu';
import { dispose, grad, memory, setBackend, type Tensor, tensor4d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, type Targets } from '../../src/engine/targets/index.ts';
import {
  disposeTargetBatch,
  type LossTermName,
  sketchposeLoss,
  stackTargets,
} from '../../src/engine/train/index.ts';
import { admissibleStrokes, touchingDiscs } from '../helpers/synthetic.ts';

type Terms = Record<LossTermName, number>;

function partialTargets(seed: number, rows = 32, cols = 40): Targets {
  const rng = new Random(seed);
  const labels = touchingDiscs(rng, rows, cols, 7);
  return computeTargets({ data: admissibleStrokes(rng, labels, rows, cols, 8), shape: [rows, cols] });
}

/** Prediction at the targets: flow v*, distance d* (the bound d_CB on the inequality set), logits ±margin. */
function targetPrediction(ts: Targets[], margin: number): Float32Array {
  const n = ts[0]!.shape[0] * ts[0]!.shape[1];
  const out = new Float32Array(ts.length * n * 4);
  ts.forEach((t, b) => {
    for (let i = 0; i < n; i++) {
      const p = (b * n + i) * 4;
      out.set([t.flow[i]!, t.flow[n + i]!], p);
      out[p + 2] = t.masks.inequality[i] ? t.lowerBound[i]! : t.distance[i]!;
      out[p + 3] = t.boundary[i] ? margin : -margin;
    }
  });
  return out;
}

/** All terms as numbers, plus the largest |gradient| of the total (NaN if any is not finite). */
async function evaluate(pred: Float32Array, ts: Targets[]): Promise<{ terms: Terms; maxGrad: number }> {
  const [h, w] = ts[0]!.shape;
  const batch = stackTargets(ts);
  const x = tensor4d(pred, [ts.length, h, w, 4]);
  const { total, terms } = sketchposeLoss(x, batch);
  const out = {} as Terms;
  for (const [name, t] of Object.entries(terms)) out[name as LossTermName] = (await t.data())[0]!;
  const g = grad((q: Tensor) => {
    const r = sketchposeLoss(q as typeof x, batch);
    dispose(Object.values(r.terms));
    return r.total;
  })(x);
  const gv = Array.from(await g.data());
  const maxGrad = gv.some((v) => !Number.isFinite(v))
    ? Number.NaN
    : gv.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  dispose([x, g, total, ...Object.values(terms)]);
  disposeTargetBatch(batch);
  return { terms: out, maxGrad };
}

/** The same targets and prediction with `extra` columns on the right: values copied from the last column, masks 0. */
function padRight(t: Targets, pred: Float32Array, extra: number): [Targets, Float32Array] {
  const [h, w] = t.shape;
  const w2 = w + extra;
  const src = (r: number, c: number) => r * w + Math.min(c, w - 1);
  const field = (a: Float32Array, planes: number) => {
    const out = new Float32Array(planes * h * w2);
    for (let k = 0; k < planes; k++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w2; c++) out[k * h * w2 + r * w2 + c] = a[k * h * w + src(r, c)]!;
    return out;
  };
  const mask = (a: Uint8Array) => {
    const out = new Uint8Array(h * w2);
    for (let r = 0; r < h; r++) out.set(a.subarray(r * w, (r + 1) * w), r * w2);
    return out;
  };
  const masks = Object.fromEntries(
    Object.entries(t.masks).map(([k, m]) => [k, mask(m)]),
  ) as unknown as Targets['masks'];
  const p2 = new Float32Array(h * w2 * 4);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w2; c++) p2.set(pred.subarray(src(r, c) * 4, src(r, c) * 4 + 4), (r * w2 + c) * 4);
  const padded: Targets = {
    ...t,
    shape: [h, w2],
    distance: field(t.distance, 1),
    flow: field(t.flow, 2),
    boundary: field(t.boundary, 1),
    weight: field(t.weight, 1),
    lowerBound: field(t.lowerBound, 1),
    masks,
  };
  return [padded, p2];
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('loss invariants', () => {
  it('every term vanishes at its target; BCE is at its analytical minimum', async () => {
    const ts = [partialTargets(1), partialTargets(2)];
    const before = memory().numTensors;
    const { terms } = await evaluate(targetPrediction(ts, 30), ts);
    for (const name of ['distance', 'flow', 'flowNorm', 'euler', 'inequality'] as const)
      expect(terms[name], name).toBe(0);
    expect(terms.boundary).toBeLessThan(1e-12);
    // with a margin of 3 every pixel's BCE is log(1 + e^−3)
    const { terms: t3 } = await evaluate(targetPrediction(ts, 3), ts);
    expect(t3.boundary).toBeCloseTo(Math.log1p(Math.exp(-3)), 6);
    expect(memory().numTensors).toBe(before);
  });

  it('each term is normalised by its own set: a duplicated batch or unmasked padding change nothing', async () => {
    const t = partialTargets(3);
    const rng = new Random(5);
    const pred = Float32Array.from(targetPrediction([t], 1), (v) => v + rng.normal());
    const one = (await evaluate(pred, [t])).terms;
    const two = (await evaluate(Float32Array.from([...pred, ...pred]), [t, t])).terms;
    const [tp, pp] = padRight(t, pred, 13);
    const padded = (await evaluate(pp, [tp])).terms;
    for (const name of Object.keys(one) as LossTermName[]) {
      expect(one[name], name).toBeGreaterThan(0);
      expect(two[name], name).toBeCloseTo(one[name], 5);
      expect(padded[name], name).toBeCloseTo(one[name], 5);
    }
  });

  it('empty sets give 0 and finite gradients (nothing annotated; no boundary; no known edge)', async () => {
    const [h, w] = [12, 10];
    const codes = (fill: (r: number, c: number) => number) =>
      Uint8Array.from({ length: h * w }, (_, i) => fill(Math.floor(i / w), i % w));
    const inside = (r: number, c: number) => (r > 2 && r < 9 && c > 2 && c < 8 ? 2 : 0);
    const cases: [string, Targets][] = [
      ['unknown', computeTargets({ data: codes(() => 0), shape: [h, w] })],
      ['cells only, B = ∅', computeTargets({ data: codes(inside), shape: [h, w] })],
      [
        'all cells, d_CB = ∞',
        computeTargets({ data: codes(() => 2), shape: [h, w] }, { outside: 'not-boundary' }),
      ],
    ];
    expect(cases[2]![1].lowerBound.every((v) => v === Number.POSITIVE_INFINITY)).toBe(true);
    const pred = Float32Array.from({ length: h * w * 4 }, (_, i) => Math.sin(i));
    for (const [what, t] of cases) {
      const { terms, maxGrad } = await evaluate(pred, [t]);
      expect(Number.isFinite(maxGrad), what).toBe(true);
      for (const [name, v] of Object.entries(terms)) {
        expect(Number.isFinite(v), `${what}: ${name}`).toBe(true);
        if (t.counts.valid === 0 && name !== 'boundary' && name !== 'inequality')
          expect(v, `${what}: ${name}`).toBe(0);
      }
    }
    expect((await evaluate(pred, [cases[0]![1]])).maxGrad).toBe(0);
  });
});
