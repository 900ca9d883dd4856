/**
 * Sketchpose loss terms (paper eqs. 3-16, ALGORITHM.md §1) against a plain float64 implementation
 * written here with loops. Invariants: with full annotation every term is the Omnipose-form mean over
 * all pixels (all cell pixels for the Euler term); with partial annotation each term is the mean over
 * its own set; each term vanishes at its target.
 */
import '@tensorflow/tfjs-backend-cpu';
import { dispose, memory, setBackend, type Tensor4D, tensor4d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/engine/random.ts';
import { computeTargets, labelsToCodes, type Targets } from '../../src/engine/targets/index.ts';
import {
  DEFAULT_LOSS_WEIGHTS,
  disposeTargetBatch,
  type LossTermName,
  PAPER_LOSS_WEIGHTS,
  sketchposeLoss,
  stackTargets,
} from '../../src/engine/train/index.ts';
import { admissibleStrokes, touchingDiscs } from '../helpers/synthetic.ts';

type Terms = Record<LossTermName, number>;
const NAMES: LossTermName[] = ['boundary', 'distance', 'flow', 'flowNorm', 'euler', 'inequality'];

/** The summation sets of the plain implementation, per sample. */
interface PlainSets {
  boundary: Uint8Array;
  distance: Uint8Array;
  inequality: Uint8Array;
  valid: Uint8Array;
  starts: Uint8Array;
}

/** Bilinear sample of planes (dy, dx) at (r, c), clamped to the patch, in float64. */
function sample(t: Targets, pred: Float32Array | null, b: number, r: number, c: number): [number, number] {
  const [h, w] = t.shape;
  const rr = Math.min(Math.max(r, 0), h - 1);
  const cc = Math.min(Math.max(c, 0), w - 1);
  const r0 = Math.floor(rr);
  const c0 = Math.floor(cc);
  const fr = rr - r0;
  const fc = cc - c0;
  const at = (y: number, x: number, k: number) =>
    pred ? pred[((b * h + y) * w + x) * 4 + k]! : t.flow[k * h * w + y * w + x]!;
  const out: [number, number] = [0, 0];
  for (let k = 0; k < 2; k++) {
    const r1 = Math.min(r0 + 1, h - 1);
    const c1 = Math.min(c0 + 1, w - 1);
    const top = at(r0, c0, k) * (1 - fc) + at(r0, c1, k) * fc;
    const bottom = at(r1, c0, k) * (1 - fc) + at(r1, c1, k) * fc;
    out[k] = top * (1 - fr) + bottom * fr;
  }
  return out;
}

/** Each term as a plain loop: Σ over its set (all samples) / size of the set. */
function plainLosses(pred: Float32Array, targets: Targets[], sets: PlainSets[], steps = 15, h = 0.2): Terms {
  const sums = { boundary: 0, distance: 0, flow: 0, flowNorm: 0, euler: 0, inequality: 0 };
  const sizes = { boundary: 0, distance: 0, euler: 0, inequality: 0 };
  targets.forEach((t, b) => {
    const [rows, cols] = t.shape;
    const n = rows * cols;
    const s = sets[b]!;
    for (let i = 0; i < n; i++) {
      const p = (b * n + i) * 4;
      const [vy, vx, d, logit] = [pred[p]!, pred[p + 1]!, pred[p + 2]!, pred[p + 3]!];
      const rho = t.weight[i]!;
      if (s.boundary[i]) {
        const bce = Math.max(logit, 0) - logit * t.boundary[i]! + Math.log1p(Math.exp(-Math.abs(logit)));
        sums.boundary += bce;
        sizes.boundary++;
      }
      if (s.distance[i]) {
        const [ty, tx] = [t.flow[i]!, t.flow[n + i]!];
        sums.distance += (d - t.distance[i]!) ** 2 * rho;
        sums.flow += ((vy - ty) ** 2 + (vx - tx) ** 2) * rho;
        sums.flowNorm += (Math.hypot(vy, vx) - Math.hypot(ty, tx)) ** 2 * rho;
        sizes.distance++;
      }
      if (s.inequality[i]) {
        sums.inequality += Math.max(t.lowerBound[i]! - d, 0) ** 2 * rho;
        sizes.inequality++;
      }
      if (s.starts[i]) {
        let [tr, tc] = [Math.floor(i / cols), i % cols];
        let [pr, pc] = [tr, tc];
        let alive = true;
        for (let l = 1; l <= steps; l++) {
          if (alive) {
            const vt = sample(t, null, b, tr, tc);
            const vp = sample(t, pred, b, pr, pc);
            [tr, tc] = [tr + h * vt[0], tc + h * vt[1]];
            [pr, pc] = [pr + h * vp[0], pc + h * vp[1]];
          }
          sums.euler += (pr - tr) ** 2 + (pc - tc) ** 2;
          const [nr, nc] = [Math.floor(tr + 0.5), Math.floor(tc + 0.5)];
          if (nr < 0 || nr >= rows || nc < 0 || nc >= cols || !s.valid[nr * cols + nc]) alive = false;
        }
        sizes.euler++;
      }
    }
  });
  const mean = (x: number, size: number) => (size > 0 ? x / size : 0);
  return {
    boundary: mean(sums.boundary, sizes.boundary),
    distance: mean(sums.distance, sizes.distance),
    flow: mean(sums.flow, sizes.distance),
    flowNorm: mean(sums.flowNorm, sizes.distance),
    euler: mean(sums.euler, sizes.euler),
    inequality: mean(sums.inequality, sizes.inequality),
  };
}

/** A prediction near the targets plus seeded noise, `[N, H, W, 4]`. */
function noisyPrediction(targets: Targets[], rng: Random, noise: number): Float32Array {
  const [h, w] = targets[0]!.shape;
  const n = h * w;
  const out = new Float32Array(targets.length * n * 4);
  targets.forEach((t, b) => {
    for (let i = 0; i < n; i++) {
      const p = (b * n + i) * 4;
      out[p] = t.flow[i]! + noise * rng.normal();
      out[p + 1] = t.flow[n + i]! + noise * rng.normal();
      out[p + 2] = t.distance[i]! + noise * rng.normal();
      out[p + 3] = 2 * rng.normal();
    }
  });
  return out;
}

async function lossTerms(pred: Float32Array, targets: Targets[]): Promise<Terms> {
  const [h, w] = targets[0]!.shape;
  const batch = stackTargets(targets);
  const x = tensor4d(pred, [targets.length, h, w, 4]) as Tensor4D;
  const { total, terms } = sketchposeLoss(x, batch);
  const out = {} as Terms;
  for (const name of NAMES) out[name] = (await terms[name].data())[0]!;
  const t = (await total.data())[0]!;
  const weighted = NAMES.reduce((acc, name) => acc + DEFAULT_LOSS_WEIGHTS[name] * out[name], 0);
  expect(t).toBeCloseTo(weighted, 3);
  dispose([x, total, ...Object.values(terms)]);
  disposeTargetBatch(batch);
  return out;
}

function expectClose(got: Terms, want: Terms, rel: number): void {
  for (const name of NAMES) {
    expect(Math.abs(got[name] - want[name]), `${name}: ${got[name]} vs ${want[name]}`).toBeLessThanOrEqual(
      rel * Math.max(Math.abs(want[name]), 1e-6),
    );
  }
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Sketchpose losses against a plain implementation', () => {
  it('full annotation: each term is the Omnipose-form mean over all pixels', async () => {
    const before = memory().numTensors;
    const [rows, cols] = [36, 44];
    // separated discs (no contacts: every pixel is background or cell, so D = S = the patch)
    const discs = [
      [
        [9, 10, 6],
        [24, 30, 8],
        [8, 33, 5],
      ],
      [
        [18, 12, 9],
        [10, 34, 6],
        [28, 33, 5],
      ],
    ] as const;
    const targets = discs.map((list) => {
      const labels = new Int32Array(rows * cols);
      list.forEach(([cr, cc, rad], l) => {
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++)
            if ((r - cr) ** 2 + (c - cc) ** 2 <= rad * rad) labels[r * cols + c] = l + 1;
      });
      const codes = labelsToCodes({ data: labels, shape: [rows, cols] });
      const t = computeTargets(codes, { complete: true, outside: 'not-boundary' });
      expect(t.counts.distanceLoss).toBe(rows * cols);
      expect(t.counts.boundaryLoss).toBe(rows * cols);
      const all = new Uint8Array(rows * cols).fill(1);
      const cells = Uint8Array.from(labels, (l) => (l > 0 ? 1 : 0));
      return {
        t,
        sets: {
          boundary: all,
          distance: all,
          inequality: new Uint8Array(rows * cols),
          valid: all,
          starts: cells,
        },
      };
    });
    const pred = noisyPrediction(
      targets.map((x) => x.t),
      new Random(3),
      1.5,
    );
    const got = await lossTerms(
      pred,
      targets.map((x) => x.t),
    );
    const want = plainLosses(
      pred,
      targets.map((x) => x.t),
      targets.map((x) => x.sets),
    );
    expectClose(got, want, 1e-5);
    expect(got.inequality).toBe(0);
    expect(got.euler).toBeGreaterThan(1);
    expect(memory().numTensors).toBe(before);
  });

  it('partial annotation: each term is the mean over its own set, summed over the batch', async () => {
    const [rows, cols] = [40, 48];
    const rng = new Random(11);
    const targets = [0, 1, 2].map(() => {
      const labels = touchingDiscs(rng, rows, cols, 9);
      const codes = admissibleStrokes(rng, labels, rows, cols, 10);
      return computeTargets({ data: codes, shape: [rows, cols] });
    });
    const total = (k: keyof Targets['counts']) => targets.reduce((a, t) => a + t.counts[k], 0);
    for (const k of ['boundaryLoss', 'distanceLoss', 'inequality', 'eulerStart'] as const) {
      expect(total(k), k).toBeGreaterThan(10);
    }
    expect(Math.max(...targets.map((t) => t.counts.eulerStart))).toBeLessThanOrEqual(2048);
    const sets = targets.map((t) => ({
      boundary: t.masks.boundaryLoss,
      distance: t.masks.distanceLoss,
      inequality: t.masks.inequality,
      valid: t.masks.valid,
      starts: t.masks.eulerStart,
    }));
    const pred = noisyPrediction(targets, new Random(4), 1);
    expectClose(await lossTerms(pred, targets), plainLosses(pred, targets, sets), 1e-5);
  });

  it("weights: the default is Omnipose 0.4's effective scale, the paper's λ and overrides are applied term by term", async () => {
    // the default weights are the Omnipose 0.4 code's, rescaled to these terms' units (sketchpose-loss.ts)
    expect(DEFAULT_LOSS_WEIGHTS).toEqual({
      boundary: 2,
      distance: 2 / 25,
      flow: 10 / 25,
      flowNorm: 2 / 25,
      euler: 0.033,
      inequality: 2 / 25,
    });
    expect(Math.abs(DEFAULT_LOSS_WEIGHTS.euler - 1 / 30)).toBeLessThan(5e-4);
    const [rows, cols] = [32, 40];
    const rng = new Random(5);
    const targets = [0, 1].map(() => {
      const labels = touchingDiscs(rng, rows, cols, 8);
      return computeTargets({ data: admissibleStrokes(rng, labels, rows, cols, 8), shape: [rows, cols] });
    });
    const pred = noisyPrediction(targets, new Random(6), 1);
    const batch = stackTargets(targets);
    const x = tensor4d(pred, [targets.length, rows, cols, 4]) as Tensor4D;
    const totalWith = async (weights?: Partial<Record<LossTermName, number>>) => {
      const { total, terms } = sketchposeLoss(x, batch, weights === undefined ? {} : { weights });
      const values = {} as Terms;
      for (const name of NAMES) values[name] = (await terms[name].data())[0]!;
      const t = (await total.data())[0]!;
      dispose([total, ...Object.values(terms)]);
      return { t, values };
    };
    const plain = await totalWith();
    const paper = await totalWith(PAPER_LOSS_WEIGHTS);
    const onlyEuler = await totalWith({
      boundary: 0,
      distance: 0,
      flow: 0,
      flowNorm: 0,
      inequality: 0,
      euler: 1,
    });
    const sum = (w: Record<LossTermName, number>) => NAMES.reduce((a, n) => a + w[n] * plain.values[n], 0);
    expect(plain.t).toBeCloseTo(sum(DEFAULT_LOSS_WEIGHTS), 3);
    expect(paper.t).toBeCloseTo(sum(PAPER_LOSS_WEIGHTS), 3);
    expect(onlyEuler.t).toBeCloseTo(plain.values.euler, 4);
    // the terms themselves do not depend on the weights
    expect(paper.values).toEqual(plain.values);
    // on a noisy prediction the paper's λ weigh the total several times more than the default
    expect(paper.t).toBeGreaterThan(3 * plain.t);
    dispose(x);
    disposeTargetBatch(batch);
  });
});
