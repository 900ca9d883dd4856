/**
 * Input normalisation against numpy / Omnipose 1.0.6 (tests/fixtures/infer/reference.json, made by
 * tests/fixtures/infer/make_fixture.py). Invariants: percentiles equal `np.percentile` (linear
 * method); normalised values equal `cellpose_omni.transforms.normalize_img(omni=True)`; the
 * statistics are measured once, so normalising tiles separately equals normalising the whole image.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/engine/errors.ts';
import {
  applyNormalization,
  computeNormalization,
  percentiles,
  statisticsLevel,
  toNetworkInput,
} from '../../src/engine/infer/index.ts';
import { Random } from '../../src/engine/random.ts';
import type { MultiChannelRaster, TypedArray } from '../../src/engine/types.ts';

interface Case {
  name: string;
  dtype: 'float32' | 'uint16' | 'uint8';
  shape: [number, number, number];
  data: number[];
  percentiles: number[][];
  normalized: number[];
}
const REF = JSON.parse(
  readFileSync(new URL('../fixtures/infer/reference.json', import.meta.url), 'utf8'),
) as {
  percentile_levels: number[];
  cases: Case[];
};
const ARRAYS = { float32: Float32Array, uint16: Uint16Array, uint8: Uint8Array };

function image(c: Case): MultiChannelRaster {
  return { data: ARRAYS[c.dtype].from(c.data), shape: c.shape };
}

function window(img: MultiChannelRaster, r0: number, r1: number, c0: number, c1: number): MultiChannelRaster {
  const [, cols, ch] = img.shape;
  const data = new (img.data.constructor as new (n: number) => TypedArray)((r1 - r0) * (c1 - c0) * ch);
  for (let r = r0, o = 0; r < r1; r++) {
    for (let i = (r * cols + c0) * ch; i < (r * cols + c1) * ch; i++) data[o++] = img.data[i]!;
  }
  return { data, shape: [r1 - r0, c1 - c0, ch] };
}

describe('percentiles (numpy linear method)', () => {
  it('matches values computed with numpy 1.26', () => {
    // np.percentile(np.arange(10.), [0.01, 99.99, 50, 37.5]) and ([4, 1, 3, 2], [0, 50, 100, 0.01])
    const ramp = Float64Array.from({ length: 10 }, (_, i) => i);
    const got = percentiles(ramp, [0.01, 99.99, 50, 37.5]);
    for (const [i, v] of [0.0009, 8.9991, 4.5, 3.375].entries()) expect(got[i]).toBeCloseTo(v, 12);
    expect(percentiles(new Float32Array([4, 1, 3, 2]), [0, 50, 100, 0.01])).toEqual([1, 2.5, 4, 1.0003]);
  });

  for (const c of REF.cases) {
    it(`matches np.percentile on ${c.name} (${c.dtype}, shape [${c.shape.join(', ')}])`, () => {
      const img = image(c);
      const [rows, cols, ch] = c.shape;
      for (let k = 0; k < ch; k++) {
        const got = percentiles(
          { data: img.data, offset: k, stride: ch, count: rows * cols },
          REF.percentile_levels,
        );
        for (const [i, v] of got.entries()) expect(v).toBeCloseTo(c.percentiles[k]![i]!, 9);
      }
    });
  }

  it('gives the same numbers through the uint16 histogram and through selection', () => {
    const rng = new Random(7);
    const data = Uint16Array.from({ length: 200 * 100 }, () => Math.floor(rng.next() ** 3 * 65535));
    const q = [0, 0.01, 1, 12.5, 50, 99, 99.99, 100];
    expect(percentiles(data, q)).toEqual(percentiles(Float64Array.from(data), q));
  });

  it('selection with mostly zeros (counted, not copied) equals sorting', () => {
    const rng = new Random(8);
    const q = [0, 0.01, 1, 12.5, 50, 99, 99.99, 100];
    for (const [zeros, negatives] of [
      [0.9, 0.5],
      [0.999, 0.5],
      [0.6, 0],
      [0.6, 1],
      [1, 0.5],
    ] as const) {
      const data = Float32Array.from({ length: 20_000 }, () =>
        rng.next() < zeros ? 0 : (rng.next() < negatives ? -1 : 1) * (rng.next() + 1e-3),
      );
      const sorted = Float64Array.from(data).sort();
      const want = q.map((p) => {
        const index = (data.length - 1) * (p / 100);
        const low = Math.floor(index);
        const t = index - low;
        const a = sorted[low]!;
        const b = sorted[Math.min(low + 1, data.length - 1)]!;
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
      });
      expect(percentiles(data, q)).toEqual(want);
    }
  });
});

describe('computeNormalization / applyNormalization', () => {
  for (const c of REF.cases) {
    it(`reproduces Omnipose normalize_img on ${c.name}`, () => {
      const img = image(c);
      const stats = computeNormalization(img);
      const out = applyNormalization(img, stats);
      expect(out.shape).toEqual(c.shape);
      let maxErr = 0;
      for (let i = 0; i < out.data.length; i++)
        maxErr = Math.max(maxErr, Math.abs(out.data[i]! - c.normalized[i]!));
      expect(maxErr).toBeLessThan(1e-6);
    });
  }

  it('skips a channel with p99 <= p1 + 1e-3: kept as is (Omnipose) or zeroed', () => {
    const c = REF.cases.find((x) => x.name === 'float32_two_channels')!;
    const img = image(c);
    const stats = computeNormalization(img);
    expect(stats.skip).toEqual([false, true]);
    const kept = applyNormalization(img, stats);
    const zeroed = applyNormalization(img, computeNormalization(img, { skipMode: 'zero' }));
    for (let p = 0; p < c.shape[0] * c.shape[1]; p++) {
      expect(kept.data[2 * p + 1]).toBe(img.data[2 * p + 1]);
      expect(zeroed.data[2 * p + 1]).toBe(0);
      expect(zeroed.data[2 * p]).toBe(kept.data[2 * p]);
    }
  });

  it('normalising tiles with the global statistics equals normalising the whole image', () => {
    const c = REF.cases.find((x) => x.name === 'uint16_three_channels')!;
    const img = image(c);
    const [rows, cols, ch] = c.shape;
    const stats = computeNormalization(img);
    const whole = applyNormalization(img, stats);
    const cuts = [
      [0, 17, 0, 11],
      [0, 17, 11, cols],
      [17, rows, 0, 20],
      [17, rows, 20, cols],
    ] as const;
    let differsWithTileStats = false;
    for (const [r0, r1, c0, c1] of cuts) {
      const tile = window(img, r0, r1, c0, c1);
      const part = applyNormalization(tile, stats);
      expect(Array.from(part.data)).toEqual(Array.from(window(whole, r0, r1, c0, c1).data));
      const own = applyNormalization(tile, computeNormalization(tile));
      if (own.data.some((v, i) => v !== part.data[i])) differsWithTileStats = true;
    }
    expect(differsWithTileStats).toBe(true); // why per-tile statistics make seams
    expect(ch).toBe(3);
  });

  it('takes the statistics once from the smallest level with enough pixels', () => {
    const rng = new Random(3);
    const level = (n: number): MultiChannelRaster => ({
      data: Float32Array.from({ length: n * n }, () => rng.normal()),
      shape: [n, n, 1],
    });
    const levels = [level(64), level(32), level(16)];
    expect(statisticsLevel([4096, 1024, 256], 500)).toBe(1);
    expect(statisticsLevel([4096, 1024, 256], 10_000)).toBe(0);
    const stats = computeNormalization(levels, { minPixels: 500 });
    expect(stats.level).toBe(1);
    expect({ ...stats, level: 0 }).toEqual(computeNormalization(levels[1]!));
  });

  it('refuses NaN / Infinity, naming the count and the first position', () => {
    const data = new Float32Array(6 * 5 * 2).fill(1);
    data[(3 * 5 + 4) * 2 + 1] = Number.NaN;
    data[(5 * 5 + 0) * 2 + 0] = Number.POSITIVE_INFINITY;
    const img: MultiChannelRaster = { data, shape: [6, 5, 2] };
    expect(() => computeNormalization(img)).toThrow(ValueError);
    expect(() => computeNormalization(img)).toThrow(/2 non-finite values.*row 3, col 4, channel 1/);
  });
});

describe('toNetworkInput', () => {
  const c = REF.cases.find((x) => x.name === 'uint16_three_channels')!;
  const img = image(c);
  const stats = computeNormalization(img);
  const whole = applyNormalization(img, stats);
  const [rows, cols] = c.shape;

  it('picks [segment, second] channels as NHWC with C = 2, a missing second as zeros', () => {
    const both = toNetworkInput(img, { channels: [1, 0] }, stats);
    const one = toNetworkInput(img, { channels: [0] }, stats);
    expect(both.shape).toEqual([rows, cols, 2]);
    for (let p = 0; p < rows * cols; p++) {
      expect(both.data[2 * p]).toBe(whole.data[3 * p + 1]);
      expect(both.data[2 * p + 1]).toBe(whole.data[3 * p]);
      expect(one.data[2 * p]).toBe(whole.data[3 * p]);
      expect(one.data[2 * p + 1]).toBe(0);
    }
  });

  it('throws ShapeError for a channel that does not exist or statistics of another image', () => {
    expect(() => toNetworkInput(img, { channels: [3] }, stats)).toThrow(ShapeError);
    expect(() => toNetworkInput(img, { channels: [0, -1] }, stats)).toThrow(/channel -1 does not exist/);
    const gray = { data: new Uint16Array(rows * cols), shape: [rows, cols] as [number, number] };
    expect(() => toNetworkInput(gray, { channels: [0] }, stats)).toThrow(/statistics are for 3 channel/);
    expect(toNetworkInput(gray, { channels: [0] }, computeNormalization(gray)).shape).toEqual([
      rows,
      cols,
      2,
    ]);
    expect(() => applyNormalization({ data: new Float32Array(5), shape: [2, 2, 1] }, stats)).toThrow(
      ShapeError,
    );
  });
});
