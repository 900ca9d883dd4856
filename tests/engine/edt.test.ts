import { describe, expect, it } from 'vitest';
import { distanceToComplement, distanceToOtherLabels, distanceToSeeds } from '../../src/engine/edt/index.ts';
import { ShapeError } from '../../src/engine/errors.ts';
import { Random } from '../../src/engine/random.ts';

/** Brute force: for every pixel, the minimum over all seeds of the Euclidean distance. */
function bruteForce(isSeed: (i: number) => boolean, rows: number, cols: number): Float64Array {
  const seeds: number[] = [];
  for (let i = 0; i < rows * cols; i++) if (isSeed(i)) seeds.push(i);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    let best = Number.POSITIVE_INFINITY;
    for (const s of seeds) {
      const dr = r - Math.floor(s / cols);
      const dc = c - (s % cols);
      const d2 = dr * dr + dc * dc;
      if (d2 < best) best = d2;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

function randomShape(rng: Random, k: number): [number, number] {
  // every 10th case is a single row or column, including 1×1
  if (k % 10 === 0) return [1, rng.int(1, 60)];
  if (k % 10 === 1) return [rng.int(1, 60), 1];
  return [rng.int(1, 40), rng.int(1, 40)];
}

function distanceOf(i: number, j: number, cols: number): number {
  const dr = Math.floor(i / cols) - Math.floor(j / cols);
  const dc = (i % cols) - (j % cols);
  return Math.sqrt(dr * dr + dc * dc);
}

describe('distanceToSeeds', () => {
  it('equals brute force on 600 random rasters (distances and feature transform)', () => {
    // Invariants: distance[i] = min_seed |i − seed| to 1e-5 (float32 rounding of the exact value);
    // feature[i] is a seed and |i − feature[i]| equals that minimum (ties may pick any seed).
    const rng = new Random(20261125);
    for (let k = 0; k < 600; k++) {
      const [rows, cols] = randomShape(rng, k);
      const density = k % 7 === 0 ? 0 : k % 7 === 1 ? 1 : rng.uniform(0.001, 0.4);
      const seeds = new Uint8Array(rows * cols);
      for (let i = 0; i < seeds.length; i++) seeds[i] = rng.next() < density ? rng.int(1, 255) : 0;
      const expected = bruteForce((i) => seeds[i] !== 0, rows, cols);
      const { distance, feature } = distanceToSeeds({ data: seeds, shape: [rows, cols] }, { feature: true });
      for (let i = 0; i < seeds.length; i++) {
        const e = expected[i]!;
        if (e === Number.POSITIVE_INFINITY) {
          expect(distance[i]).toBe(Number.POSITIVE_INFINITY);
          expect(feature![i]).toBe(-1);
          continue;
        }
        expect(Math.abs(distance[i]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, e));
        const f = feature![i]!;
        expect(seeds[f]).not.toBe(0);
        expect(Math.abs(distanceOf(i, f, cols) - e)).toBeLessThanOrEqual(1e-9);
      }
    }
  });

  it('gives +Infinity, never NaN, without seeds, and handles an empty raster', () => {
    const none = distanceToSeeds({ data: new Uint8Array(12), shape: [3, 4] }, { feature: true });
    expect([...none.distance].every((d) => d === Number.POSITIVE_INFINITY)).toBe(true);
    expect([...none.feature!].every((f) => f === -1)).toBe(true);
    expect(distanceToSeeds({ data: new Uint8Array(0), shape: [0, 5] }).distance.length).toBe(0);
  });

  it('rejects a shape that does not match the data, naming both', () => {
    expect(() => distanceToSeeds({ data: new Uint8Array(10), shape: [3, 4] })).toThrow(ShapeError);
    expect(() => distanceToSeeds({ data: new Uint8Array(10), shape: [3, 4] })).toThrow(/\[3, 4\].*12.*10/);
  });

  it('is exact for large coordinates (squared distances beyond 2^24)', () => {
    const rows = 1;
    const cols = 20000;
    const seeds = new Uint8Array(cols);
    seeds[0] = 1;
    const { distance } = distanceToSeeds({ data: seeds, shape: [rows, cols] });
    expect(distance[cols - 1]).toBe(cols - 1);
  });
});

describe('distanceToComplement', () => {
  it('equals brute force distance to the nearest zero on 200 random masks', () => {
    const rng = new Random(7);
    for (let k = 0; k < 200; k++) {
      const [rows, cols] = randomShape(rng, k);
      const fill = k % 5 === 0 ? 1 : rng.uniform(0.3, 0.98);
      const mask = new Uint8Array(rows * cols);
      for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < fill ? 1 : 0;
      const expected = bruteForce((i) => mask[i] === 0, rows, cols);
      const { distance, feature } = distanceToComplement(
        { data: mask, shape: [rows, cols] },
        { feature: true },
      );
      for (let i = 0; i < mask.length; i++) {
        const e = expected[i]!;
        if (e === Number.POSITIVE_INFINITY) {
          expect(distance[i]).toBe(Number.POSITIVE_INFINITY);
          continue;
        }
        expect(Math.abs(distance[i]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, e));
        expect(mask[feature![i]!]).toBe(0);
      }
    }
  });
});

/** Random label image of touching rectangles and discs. */
function randomLabels(rng: Random, rows: number, cols: number): Int32Array {
  const labels = new Int32Array(rows * cols);
  const n = rng.int(0, 8);
  for (let l = 1; l <= n; l++) {
    const cr = rng.uniform(0, rows);
    const cc = rng.uniform(0, cols);
    const rad = rng.uniform(1, Math.max(2, Math.min(rows, cols) / 2));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if ((r - cr) ** 2 + (c - cc) ** 2 <= rad * rad) labels[r * cols + c] = l;
      }
    }
  }
  return labels;
}

describe('distanceToOtherLabels', () => {
  it('equals brute force distance to the nearest pixel of another label on 300 label images', () => {
    // Invariant: for a pixel of label l ≠ 0, the distance to the nearest pixel (inside the raster,
    // or beyond it with borderIsBoundary) whose label differs; 0 on background.
    const rng = new Random(99);
    for (let k = 0; k < 300; k++) {
      const [rows, cols] = randomShape(rng, k);
      const labels = randomLabels(rng, rows, cols);
      const border = k % 2 === 1;
      const { distance, feature } = distanceToOtherLabels(
        { data: labels, shape: [rows, cols] },
        { feature: true, borderIsBoundary: border },
      );
      const perLabel = new Map<number, Float64Array>();
      for (let i = 0; i < labels.length; i++) {
        const l = labels[i]!;
        if (l === 0) {
          expect(distance[i]).toBe(0);
          continue;
        }
        if (!perLabel.has(l))
          perLabel.set(
            l,
            bruteForce((j) => labels[j] !== l, rows, cols),
          );
        let e = perLabel.get(l)![i]!;
        if (border) {
          const r = Math.floor(i / cols);
          const c = i % cols;
          e = Math.min(e, r + 1, c + 1, rows - r, cols - c);
        }
        expect(Math.abs(distance[i]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, e));
        const f = feature![i]!;
        if (f >= 0) {
          expect(labels[f]).not.toBe(l);
          expect(Math.abs(distanceOf(i, f, cols) - e)).toBeLessThanOrEqual(1e-9);
        }
      }
    }
  });
});
