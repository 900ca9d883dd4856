/**
 * Aggregated Jaccard index (Kumar et al. 2017) and mean object Dice. Invariants: the hand-worked
 * examples below give the stated fractions exactly (to 1e-15), and on every real fixture pair the
 * results equal the brute-force per-object-mask reference in make_fixtures.py to 1e-12.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../bench/lib/npy.ts';
import { ShapeError } from '../../src/engine/errors.ts';
import { aggregatedJaccardIndex, meanDice, objectDice } from '../../src/engine/metrics/index.ts';
import type { Raster } from '../../src/engine/types.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/stardist');
const raster = (rows: number, cols: number, values: number[]): Raster<Int32Array> => ({
  data: Int32Array.from(values),
  shape: [rows, cols],
});

describe('aggregatedJaccardIndex', () => {
  it('identical images give 1, disjoint objects give 0, two empty images give 0', () => {
    const a = raster(2, 3, [1, 1, 0, 2, 2, 0]);
    expect(aggregatedJaccardIndex(a, a)).toBe(1);
    expect(aggregatedJaccardIndex(a, raster(2, 3, [0, 0, 5, 0, 0, 5]))).toBe(0);
    const empty = raster(2, 2, [0, 0, 0, 0]);
    expect(aggregatedJaccardIndex(empty, empty)).toBe(0);
  });

  it('half an object plus a 1-pixel false positive: C = 2, U = 4 + 1', () => {
    const t = raster(1, 5, [1, 1, 1, 1, 0]);
    const p = raster(1, 5, [1, 1, 0, 0, 2]);
    expect(aggregatedJaccardIndex(t, p)).toBeCloseTo(2 / 5, 15);
  });

  it('a merged prediction is counted in the union of both true objects it covers', () => {
    // true: A = 3 px, B = 3 px; prediction: one object covering both (6 px)
    // A: C += 3, U += |A ∪ S| = 6; B: C += 3, U += 6 → AJI = 6 / 12
    const t = raster(1, 6, [1, 1, 1, 2, 2, 2]);
    const p = raster(1, 6, [7, 7, 7, 7, 7, 7]);
    expect(aggregatedJaccardIndex(t, p)).toBeCloseTo(0.5, 15);
  });

  it('a missed true object adds its area to U; a split object keeps only its best half', () => {
    // true: A = 4 px (split into halves 1|2 of 2 px each), B = 2 px missed
    // A: best half (tie → label 1): C += 2, U += 4; B: U += 2; unused half 2: U += 2 → 2 / 8
    const t = raster(1, 7, [1, 1, 1, 1, 0, 2, 2]);
    const p = raster(1, 7, [1, 1, 3, 3, 0, 0, 0]);
    expect(aggregatedJaccardIndex(t, p)).toBeCloseTo(2 / 8, 15);
  });

  it('throws ShapeError on mismatched shapes', () => {
    expect(() => aggregatedJaccardIndex(raster(1, 2, [0, 1]), raster(2, 1, [0, 1]))).toThrow(ShapeError);
  });
});

describe('meanDice', () => {
  it('averages the best-match Dice of each true object; a missed object scores 0', () => {
    const t = raster(1, 6, [1, 1, 1, 1, 2, 2]);
    const p = raster(1, 6, [1, 1, 0, 0, 0, 0]);
    expect(Array.from(objectDice(t, p))).toEqual([2 / 3, 0]);
    expect(meanDice(t, p)).toBeCloseTo(1 / 3, 15);
  });

  it('false positives do not change it; identical images give 1; no true object gives 0', () => {
    const t = raster(1, 4, [1, 1, 0, 0]);
    expect(meanDice(t, t)).toBe(1);
    expect(meanDice(t, raster(1, 4, [1, 1, 0, 9]))).toBe(1);
    expect(meanDice(raster(1, 4, [0, 0, 0, 0]), t)).toBe(0);
  });
});

describe('AJI and mean Dice on the real fixture pairs', () => {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'stardist_matching.json'), 'utf8')) as {
    pairs: { true: string; pred: string; reference_aji: number; reference_mean_dice: number }[];
  };
  const load = (name: string): Raster => {
    const npy = parseNpy(new Uint8Array(gunzipSync(readFileSync(join(FIXTURES, name)))));
    return { data: npy.data, shape: [npy.shape[0]!, npy.shape[1]!] };
  };
  it('equal the brute-force reference on every pair', () => {
    for (const pair of fixture.pairs) {
      const t = load(pair.true);
      const p = load(pair.pred);
      expect(Math.abs(aggregatedJaccardIndex(t, p) - pair.reference_aji), pair.pred).toBeLessThanOrEqual(
        1e-12,
      );
      expect(Math.abs(meanDice(t, p) - pair.reference_mean_dice), pair.pred).toBeLessThanOrEqual(1e-12);
    }
  });
});
