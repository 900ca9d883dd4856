/**
 * Edge cases and building blocks of the metrics: empty images, input validation, relabelling,
 * border cropping, float32 summation. Each test names the invariant it checks.
 */
import { describe, expect, it } from 'vitest';
import { DtypeError, ShapeError, ValueError } from '../../src/engine/errors.ts';
import {
  cropBorder,
  croppedRange,
  float32Sum,
  iouMatrix,
  matching,
  matchingDataset,
  relabelSequential,
} from '../../src/engine/metrics/index.ts';
import type { Raster } from '../../src/engine/types.ts';

const raster = (rows: number, cols: number, values: number[]): Raster<Int32Array> => ({
  data: Int32Array.from(values),
  shape: [rows, cols],
});
const RATIOS = [
  'precision',
  'recall',
  'accuracy',
  'f1',
  'mean_true_score',
  'mean_matched_score',
  'panoptic_quality',
] as const;

describe('matching edge cases', () => {
  it('two empty images: every ratio is 0, as StarDist (not 1, not NaN)', () => {
    const empty = raster(3, 4, new Array(12).fill(0));
    const s = matching(empty, empty, { thresh: 0.5 });
    expect([s.tp, s.fp, s.fn, s.n_true, s.n_pred]).toEqual([0, 0, 0, 0, 0]);
    for (const k of RATIOS) expect(s[k]).toBe(0);
    const d = matchingDataset([empty, empty], [empty, empty], { thresh: [0.3, 0.7], byImage: true });
    for (const row of d) for (const k of RATIOS) expect(row[k]).toBe(0);
    const zeroPixels = matching(raster(0, 5, []), raster(0, 5, []));
    expect(zeroPixels.n_true).toBe(0);
  });

  it('only predictions: all false positives, ratios 0; only truths: all false negatives', () => {
    const empty = raster(2, 3, [0, 0, 0, 0, 0, 0]);
    const some = raster(2, 3, [1, 1, 0, 0, 2, 2]);
    const fpOnly = matching(empty, some);
    expect([fpOnly.tp, fpOnly.fp, fpOnly.fn]).toEqual([0, 2, 0]);
    const fnOnly = matching(some, empty);
    expect([fnOnly.tp, fnOnly.fp, fnOnly.fn]).toEqual([0, 0, 2]);
    for (const k of RATIOS) expect(fpOnly[k] + fnOnly[k]).toBe(0);
  });

  it("StarDist's docstring example: a 10×10 square shifted by 5 rows is no match at τ = 0.5", () => {
    const data = new Uint16Array(100 * 100);
    for (let r = 10; r < 20; r++) for (let c = 10; c < 20; c++) data[r * 100 + c] = 1;
    const shifted = new Uint16Array(100 * 100);
    shifted.set(data.subarray(0, 95 * 100), 5 * 100);
    const s = matching({ data, shape: [100, 100] }, { data: shifted, shape: [100, 100] });
    expect(s).toEqual({
      criterion: 'iou',
      thresh: 0.5,
      fp: 1,
      tp: 0,
      fn: 1,
      precision: 0,
      recall: 0,
      accuracy: 0,
      f1: 0,
      n_true: 1,
      n_pred: 1,
      mean_true_score: 0,
      mean_matched_score: 0,
      panoptic_quality: 0,
    });
    // IoU = 50 / 150 = 1/3: a match at τ = 0.3, with float32 1/3 as its score
    const low = matching({ data, shape: [100, 100] }, { data: shifted, shape: [100, 100] }, { thresh: 0.3 });
    expect(low.tp).toBe(1);
    expect(low.mean_matched_score).toBe(Math.fround(1 / 3));
  });

  it('shape mismatch throws ShapeError naming both shapes', () => {
    const a = raster(2, 3, [0, 1, 1, 0, 2, 2]);
    const b = raster(3, 2, [0, 1, 1, 0, 2, 2]);
    expect(() => matching(a, b)).toThrow(ShapeError);
    expect(() => matching(a, b)).toThrow(/\[2, 3\].*\[3, 2\]/);
    expect(() => iouMatrix(a, b)).toThrow(ShapeError);
    expect(() => matching(a, { data: new Int32Array(5), shape: [2, 3] })).toThrow(ShapeError);
  });

  it('non-integer label data throws DtypeError naming the dtype', () => {
    const ok = raster(1, 2, [0, 1]);
    const floats = { data: new Float32Array([0, 1]), shape: [1, 2] as [number, number] };
    expect(() => matching(ok, floats)).toThrow(DtypeError);
    expect(() => matching(floats, ok)).toThrow(/Float32Array/);
    expect(() => matching({ data: new Float64Array(2), shape: [1, 2] }, ok)).toThrow(DtypeError);
  });

  it('negative labels, bad thresholds and bad crop fractions throw ValueError', () => {
    const ok = raster(1, 2, [0, 1]);
    expect(() => matching(raster(1, 2, [0, -3]), ok)).toThrow(ValueError);
    expect(() => matching(ok, ok, { thresh: Number.NaN })).toThrow(ValueError);
    expect(() => matching(ok, ok, { thresh: [0.5, Number.POSITIVE_INFINITY] })).toThrow(ValueError);
    expect(() => matching(ok, ok, { cropBorder: 0.5 })).toThrow(ValueError);
    expect(() => matching(ok, ok, { cropBorder: -0.1 })).toThrow(ValueError);
    expect(() => matchingDataset([ok], [ok, ok])).toThrow(/1 images.*2 images/);
    expect(() => matchingDataset([], [])).toThrow(ValueError);
    expect(() => matchingDataset([ok, ok], [ok, raster(1, 3, [0, 0, 1])])).toThrow(/image pair 1/);
  });

  it('a scalar thresh gives one record, a list gives one per threshold in order', () => {
    const a = raster(2, 2, [1, 1, 0, 2]);
    const b = raster(2, 2, [1, 0, 0, 2]);
    expect(Array.isArray(matching(a, b, { thresh: 0.5 }))).toBe(false);
    const list = matching(a, b, { thresh: [0.9, 0.5, 0.1] });
    expect(list.map((s) => [s.thresh, s.tp])).toEqual([
      [0.9, 1],
      [0.5, 2],
      [0.1, 2],
    ]);
  });
});

describe('relabelSequential', () => {
  it('maps labels to 1..count in increasing order of the original labels (dense path)', () => {
    const r = relabelSequential(raster(2, 3, [0, 42, 42, 5, 0, 99]));
    expect(Array.from(r.raster.data)).toEqual([0, 2, 2, 1, 0, 3]);
    expect(r.count).toBe(3);
    expect(Array.from(r.originalLabels)).toEqual([0, 5, 42, 99]);
  });

  it('handles ids near 2^32 (sorted path) the same way', () => {
    const big = 4294967295;
    const r = relabelSequential({ data: Uint32Array.from([0, big, 7, big - 1, 7]), shape: [1, 5] });
    expect(Array.from(r.raster.data)).toEqual([0, 3, 1, 2, 1]);
    expect(Array.from(r.originalLabels)).toEqual([0, 7, big - 1, big]);
  });
});

describe('iouMatrix', () => {
  it('is the float32 IoU of every true × predicted object, background excluded', () => {
    const m = iouMatrix(raster(2, 2, [1, 1, 0, 2]), raster(2, 2, [1, 0, 0, 2]));
    expect(m.shape).toEqual([2, 2]);
    expect(Array.from(m.data)).toEqual([0.5, 0, 0, 1]);
    const third = iouMatrix(raster(1, 3, [1, 1, 1]), raster(1, 3, [9, 0, 0]));
    expect(third.data[0]).toBe(Math.fround(1 / 3));
  });
});

describe('cropBorder', () => {
  it("keeps rows int(0.1·H)..int(0.9·H) like Sketchpose's evaluate_accuracy.py", () => {
    expect(croppedRange(256, 0.1)).toEqual([25, 230]);
    expect(croppedRange(260, 0.1)).toEqual([26, 234]);
    expect(croppedRange(347, 0.1)).toEqual([34, 312]);
    const r = raster(
      10,
      10,
      Array.from({ length: 100 }, (_, k) => k),
    );
    const c = cropBorder(r, 0.1);
    expect(c.shape).toEqual([8, 8]);
    expect(c.data[0]).toBe(11);
    expect(c.data[63]).toBe(88);
    expect(cropBorder(r, 0)).toBe(r);
  });
});

describe('float32Sum', () => {
  it('reproduces np.sum of float32 arrays bit for bit (values printed by NumPy 2.4)', () => {
    // v_k = float32(((37k) mod 101) / 101); the float64 sums differ from these in the 7th digit
    const expected: [number, number][] = [
      [0, 0],
      [5, 1.663366436958313],
      [8, 3.2574257850646973],
      [100, 49.3663330078125],
      [129, 63.475250244140625],
      [300, 148.19802856445312],
      [1000, 495.14849853515625],
    ];
    for (const [n, sum] of expected) {
      const values = Float32Array.from({ length: n }, (_, k) => ((k * 37) % 101) / 101);
      expect(float32Sum(values)).toBe(sum);
    }
    expect(float32Sum([0.1, 0.2, 0.3])).toBe(0.6000000238418579);
  });
});
