/**
 * linearSumAssignment against exhaustive search. Invariant: on every matrix the result is a valid
 * assignment (min(rows, cols) pairs, rows ascending, no row or column used twice) and its total
 * cost equals the minimum over all assignments, found by brute force, to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/engine/errors.ts';
import { linearSumAssignment } from '../../src/engine/metrics/index.ts';

/** mulberry32: a small seeded PRNG so the matrices are the same on every run */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Minimum total cost over all ways to give each row of the smaller side a distinct partner. */
function bruteForceMinimum(cost: Float64Array, rows: number, cols: number): number {
  const transpose = rows > cols;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const at = (i: number, j: number) => (transpose ? cost[j * cols + i]! : cost[i * cols + j]!);
  const used = new Uint8Array(m);
  let best = Number.POSITIVE_INFINITY;
  const search = (i: number, total: number) => {
    if (i === n) {
      best = Math.min(best, total);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = 1;
      search(i + 1, total + at(i, j));
      used[j] = 0;
    }
  };
  search(0, 0);
  return best;
}

function checkAgainstBruteForce(cost: Float64Array, rows: number, cols: number): void {
  const { rowIndices, colIndices } = linearSumAssignment(cost, rows, cols);
  const n = Math.min(rows, cols);
  expect(rowIndices.length).toBe(n);
  expect(colIndices.length).toBe(n);
  expect(new Set(rowIndices).size).toBe(n);
  expect(new Set(colIndices).size).toBe(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) expect(rowIndices[k]!).toBeGreaterThan(rowIndices[k - 1]!);
    expect(rowIndices[k]!).toBeLessThan(rows);
    expect(colIndices[k]!).toBeLessThan(cols);
    total += cost[rowIndices[k]! * cols + colIndices[k]!]!;
  }
  expect(Math.abs(total - bruteForceMinimum(cost, rows, cols))).toBeLessThanOrEqual(1e-9);
}

describe('linearSumAssignment', () => {
  it('equals brute force on 400 random real-valued matrices up to 7×7 (seed 1)', () => {
    const random = rng(1);
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + Math.floor(random() * 7);
      const cols = 1 + Math.floor(random() * 7);
      const cost = Float64Array.from({ length: rows * cols }, () => (random() - 0.5) * 20);
      checkAgainstBruteForce(cost, rows, cols);
    }
  });

  it('equals brute force on 300 tie-heavy integer matrices (seed 2)', () => {
    // few distinct values give many optimal assignments: the total must still be minimal
    const random = rng(2);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(random() * 6);
      const cols = 1 + Math.floor(random() * 6);
      const cost = Float64Array.from({ length: rows * cols }, () => Math.floor(random() * 3) - 1);
      checkAgainstBruteForce(cost, rows, cols);
    }
  });

  it('equals brute force on 200 StarDist-like costs −[iou≥τ] − iou/(2n) (seed 3)', () => {
    const random = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 6);
      const cols = 1 + Math.floor(random() * 6);
      const n = Math.min(rows, cols);
      const cost = Float64Array.from({ length: rows * cols }, () => {
        const iou = random() < 0.5 ? 0 : Math.fround(random());
        return -(iou >= 0.5 ? 1 : 0) - Math.fround(iou / (2 * n));
      });
      checkAgainstBruteForce(cost, rows, cols);
    }
  });

  it('solves the documented example and degenerate sizes', () => {
    const a = linearSumAssignment(new Float64Array([4, 1, 3, 2, 0, 5]), 2, 3);
    expect(Array.from(a.rowIndices)).toEqual([0, 1]);
    expect(Array.from(a.colIndices)).toEqual([1, 0]);
    const tall = linearSumAssignment([4, 2, 1, 0, 0, 5], 3, 2); // transposed path, unique optimum 0
    expect(Array.from(tall.rowIndices)).toEqual([1, 2]);
    expect(Array.from(tall.colIndices)).toEqual([1, 0]);
    expect(linearSumAssignment([], 0, 0).rowIndices.length).toBe(0);
    expect(linearSumAssignment([], 3, 0).rowIndices.length).toBe(0);
    expect(linearSumAssignment([], 0, 4).colIndices.length).toBe(0);
  });

  it('throws ShapeError for a wrong length and ValueError for non-finite costs', () => {
    expect(() => linearSumAssignment([1, 2, 3], 2, 2)).toThrow(ShapeError);
    expect(() => linearSumAssignment([1, Number.NaN], 1, 2)).toThrow(ValueError);
    expect(() => linearSumAssignment([1, Number.POSITIVE_INFINITY], 2, 1)).toThrow(/cost\[1\]\[0\]/);
  });
});
