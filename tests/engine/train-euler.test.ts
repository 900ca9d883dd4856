/**
 * The Euler term's pieces (ALGORITHM.md §5): bilinear sampling on a non-square batch (torchvf's
 * `y·H + x` bug would show here), trajectories frozen when the target leaves D or the patch (exact
 * values on a hand-made strip), start points as a bounded seeded subset, and the batch layout.
 */
import '@tensorflow/tfjs-backend-cpu';
import { dispose, grad, setBackend, sum, type Tensor, tensor1d, tensor4d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/engine/errors.ts';
import { Random } from '../../src/engine/random.ts';
import type { Targets } from '../../src/engine/targets/index.ts';
import {
  bilinearSample,
  disposeTargetBatch,
  eulerLoss,
  pointOffsets,
  sampleEulerStarts,
  sketchposeLoss,
  stackTargets,
} from '../../src/engine/train/index.ts';

/** A hand-made `Targets` record: flow (dy, dx) constant, `valid` and `eulerStart` given. */
function strip(h: number, w: number, flow: [number, number], valid: number[], start: number[]): Targets {
  const n = h * w;
  const mask = (idx: number[]) => Uint8Array.from({ length: n }, (_, i) => (idx.includes(i) ? 1 : 0));
  const f = new Float32Array(2 * n);
  f.fill(flow[0], 0, n);
  f.fill(flow[1], n);
  const masks = {
    boundaryLoss: mask(valid),
    distanceLoss: mask(valid),
    flowLoss: mask(valid),
    inequality: mask([]),
    valid: mask(valid),
    eulerStart: mask(start),
  };
  const counts = Object.fromEntries(Object.entries(masks).map(([k, m]) => [k, m.reduce((a, b) => a + b, 0)]));
  return {
    shape: [h, w],
    distance: new Float32Array(n),
    flow: f,
    boundary: new Float32Array(n),
    weight: new Float32Array(n).fill(2),
    lowerBound: new Float32Array(n).fill(Number.POSITIVE_INFINITY),
    masks,
    instances: new Int32Array(n),
    counts: counts as Targets['counts'],
  };
}

async function euler(t: Targets, predicted: [number, number]): Promise<number> {
  const [h, w] = t.shape;
  const batch = stackTargets([t]);
  const pred = new Float32Array(h * w * 4);
  for (let i = 0; i < h * w; i++) pred.set(predicted, 4 * i);
  const x = tensor4d(pred, [1, h, w, 4]);
  const v = eulerLoss(x, batch);
  const out = (await v.data())[0]!;
  dispose([x, v]);
  disposeTargetBatch(batch);
  return out;
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Euler term', () => {
  it('bilinear sampling on a non-square batch matches a plain interpolation, gradients included', async () => {
    const [n, h, w] = [2, 5, 9];
    const rng = new Random(2);
    const plane = Float32Array.from({ length: n * h * w }, () => rng.normal());
    const k = 40;
    const rows = Float32Array.from({ length: n * k }, () => rng.uniform(-1, h));
    const cols = Float32Array.from({ length: n * k }, () => rng.uniform(-1, w));
    const at = (b: number, r: number, c: number) => plane[b * h * w + r * w + c]!;
    const plain = (b: number, r0: number, c0: number) => {
      const r = Math.min(Math.max(r0, 0), h - 1);
      const c = Math.min(Math.max(c0, 0), w - 1);
      const [y, x] = [Math.floor(r), Math.floor(c)];
      const [y1, x1] = [Math.min(y + 1, h - 1), Math.min(x + 1, w - 1)];
      const [fy, fx] = [r - y, c - x];
      const top = at(b, y, x) * (1 - fx) + at(b, y, x1) * fx;
      return top + (at(b, y1, x) * (1 - fx) + at(b, y1, x1) * fx - top) * fy;
    };
    const want = Array.from(rows, (r, i) => plain(Math.floor(i / k), r, cols[i]!));
    const [p, r, c, o] = [tensor1d(plane), tensor1d(rows), tensor1d(cols), pointOffsets(n, k, h, w)];
    const shape: [number, number, number] = [n, h, w];
    const got = await bilinearSample(p, r, c, o, shape).data();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    // each point spreads weight 1 over its corners: the plane gradient of Σ samples sums to N·K
    const gPlane = grad((q: Tensor) => sum(bilinearSample(q as typeof p, r, c, o, shape)))(p);
    expect(Array.from(await gPlane.data()).reduce((a, b) => a + b, 0)).toBeCloseTo(n * k, 3);
    // position gradients: zero where clamped, the interpolant's slope elsewhere
    const gRow = grad((q: Tensor) => sum(bilinearSample(p, q as typeof r, c, o, shape)))(r);
    const dRow = await gRow.data();
    let checked = 0;
    rows.forEach((v, i) => {
      if (v < 0 || v > h - 1) expect(Math.abs(dRow[i]!)).toBe(0);
      else if (Math.abs(v - Math.round(v)) > 0.01) {
        const b = Math.floor(i / k);
        const fd = (plain(b, v + 1e-3, cols[i]!) - plain(b, v - 1e-3, cols[i]!)) / 2e-3;
        expect(dRow[i]).toBeCloseTo(fd, 4);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(40);
    dispose([p, r, c, o, gPlane, gRow]);
  });

  it('freezes both trajectories once the target leaves D: exact sums on a strip', async () => {
    // row 1 of a 3×8 patch; target flow 5 along +col (1 px per step), predicted 2.5 (0.5 px)
    const row = (cols: number[]) => cols.map((c) => 8 + c);
    // D = cols 0-2: the target reaches col 3 at step 3 (outside D); gaps 0.5, 1, 1.5, then 1.5 × 12
    expect(await euler(strip(3, 8, [0, 5], row([0, 1, 2]), row([0])), [0, 2.5])).toBeCloseTo(
      0.25 + 1 + 2.25 * 13,
      4,
    );
    // D = the whole row: the target leaves the patch after col 7 (step 8, at col 8); gaps 0.5·l to
    // step 8, then (8 − 4)² for the 7 remaining steps
    let moving = 0;
    for (let l = 1; l <= 8; l++) moving += (0.5 * l) ** 2;
    expect(await euler(strip(3, 8, [0, 5], row([0, 1, 2, 3, 4, 5, 6, 7]), row([0])), [0, 2.5])).toBeCloseTo(
      moving + 16 * 7,
      4,
    );
    // the flow's first plane is dy: the same strip transposed moves along rows
    expect(await euler(strip(8, 3, [5, 0], [1, 4, 7], [1]), [2.5, 0])).toBeCloseTo(0.25 + 1 + 2.25 * 13, 4);
  });

  it('start points: a bounded, seeded subset without repeats, padded to a fixed count', () => {
    const [h, w] = [20, 30];
    const mask = Uint8Array.from({ length: h * w }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const a = sampleEulerStarts(mask, [h, w], 25, new Random(1));
    const b = sampleEulerStarts(mask, [h, w], 25, new Random(1));
    const c = sampleEulerStarts(mask, [h, w], 25, new Random(2));
    expect(a.count).toBe(25);
    expect(a.used).toBe(25);
    expect(Array.from(a.points)).toEqual(Array.from(b.points));
    expect(Array.from(a.points)).not.toEqual(Array.from(c.points));
    const picked = new Set<number>();
    for (let i = 0; i < 25; i++) picked.add(a.points[2 * i]! * w + a.points[2 * i + 1]!);
    expect(picked.size).toBe(25);
    for (const p of picked) expect(mask[p]).toBe(1);
    // fewer candidates than the bound: all of them in raster order, then padding
    const few = sampleEulerStarts(mask, [h, w], 200, new Random(1));
    expect(few.count).toBe(200);
    expect(few.used).toBe(Math.ceil((h * w) / 7));
    expect(few.valid.reduce((s, v) => s + v, 0)).toBe(few.used);
    expect([few.points[2], few.points[3]]).toEqual([0, 7]);
    expect(sampleEulerStarts(mask, [2, 3], 2048, new Random(1)).count).toBe(6);
  });

  it('stackTargets: NHWC layout, (dy, dx) interleaved, ∞ bounds zeroed, shapes checked', async () => {
    const t = strip(2, 3, [1.5, -2], [0, 1, 2, 3], [1, 4]);
    const batch = stackTargets([t, t], { maxEulerStarts: 4 });
    expect(batch.shape).toEqual([2, 2, 3]);
    expect(batch.flow.shape).toEqual([2, 2, 3, 2]);
    expect(Array.from(await batch.flow.data()).slice(0, 4)).toEqual([1.5, -2, 1.5, -2]);
    expect(Array.from(await batch.lowerBound.data()).every((v) => v === 0)).toBe(true);
    expect(batch.eulerStarts.shape).toEqual([2, 4, 2]);
    expect(Array.from(await batch.eulerStarts.data()).slice(0, 4)).toEqual([0, 1, 1, 1]);
    expect(Array.from(await batch.eulerStartValid.data())).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect(() => sketchposeLoss(tensor4d(new Float32Array(2 * 6 * 3), [2, 2, 3, 3]), batch)).toThrow(
      ShapeError,
    );
    disposeTargetBatch(batch);
    expect(() => stackTargets([t, strip(3, 2, [0, 0], [], [])])).toThrow(ShapeError);
    expect(() => stackTargets([])).toThrow(ShapeError);
  });
});
