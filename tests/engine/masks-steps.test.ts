/**
 * The stages of the mask reconstruction one by one, on small hand-made inputs, each against the
 * behaviour of the Omnipose 1.0.6 / NumPy / scikit-image / scikit-learn function it follows.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/engine/errors.ts';
import { cleanupMasks } from '../../src/engine/masks/cleanup.ts';
import { removeBadFlowMasks } from '../../src/engine/masks/flow-check.ts';
import {
  computeMasks,
  dbscan,
  divergence,
  eulerField,
  followFlows,
  hysteresisForeground,
} from '../../src/engine/masks/index.ts';
import { groupByRounding, rint } from '../../src/engine/masks/round-grouping.ts';

const DB = { eps: Math.SQRT2, minSamples: 5, snapNeighbors: 50 };

describe('hysteresisForeground', () => {
  it('matches skimage.filters.apply_hysteresis_threshold (its docstring example)', () => {
    // apply_hysteresis_threshold([1,2,3,2,1,2,1,3,2], 1.5, 2.5) = [0,1,1,1,0,0,0,1,1]
    const d = new Float32Array([1, 2, 3, 2, 1, 2, 1, 3, 2]);
    const fg = hysteresisForeground({ data: d, shape: [1, 9] }, 2.5);
    expect([...fg.mask]).toEqual([0, 1, 1, 1, 0, 0, 0, 1, 1]);
    expect([...fg.pixels]).toEqual([1, 2, 3, 7, 8]);
  });
  it('connects through 4-neighbours only (scipy cross structure)', () => {
    const d = new Float32Array([1, -5, -5, -0.5]);
    expect([...hysteresisForeground({ data: d, shape: [2, 2] }).mask]).toEqual([1, 0, 0, 0]);
  });
});

describe('Euler field', () => {
  it('divergence is np.gradient(vy, axis=0) + np.gradient(vx, axis=1)', () => {
    // vy = [[0,1,4],[1,2,3]] (rows), vx = [[0,0,2],[1,1,1]]
    const f = new Float32Array([0, 0, 1, 0, 4, 2, 1, 1, 2, 1, 3, 1]);
    // gy: [[1,1,-1],[1,1,-1]]; gx: [[0,1,2],[0,0,0]]
    expect([...divergence(f, 2, 3)]).toEqual([1, 2, 1, 1, 1, -1]);
  });
  it('is a unit flow scaled by the clipped divergence, zero off the foreground', () => {
    const flow = new Float32Array([3, 0, 0, 0, 4, 0, 0, 0]); // [2, 2, 2]: dy then dx planes
    const mask = new Uint8Array([1, 0, 1, 1]);
    const { field, divergenceRange } = eulerField(flow, mask, 2, 2, 1);
    for (let i = 0; i < 4; i++) expect(Math.hypot(field[2 * i]!, field[2 * i + 1]!)).toBeLessThanOrEqual(1);
    expect(field[2]).toBe(0);
    expect(field[3]).toBe(0);
    expect(divergenceRange[0]).toBeLessThan(divergenceRange[1]);
  });
});

describe('followFlows', () => {
  it('moves by Σ 1/(1+t) through a uniform unit field and clamps at the border', () => {
    const rows = 3;
    const cols = 40;
    const field = new Float32Array(2 * rows * cols);
    for (let i = 0; i < rows * cols; i++) field[2 * i + 1] = 1;
    const p = followFlows(field, rows, cols, new Int32Array([cols + 2, cols + 35]), 200);
    let h = 0;
    for (let t = 0; t < 200; t++) h += 1 / (1 + t);
    expect(p[0]).toBeCloseTo(1, 5);
    expect(p[1]).toBeCloseTo(2 + h, 3);
    expect(p[3]).toBe(cols - 1);
  });
});

describe('grouping', () => {
  it('rint rounds half to even like np.rint', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4999, 3.5].map(rint)).toEqual([0, 2, 2, -0, 2, 4]);
  });
  it('border rule drops band skeleton pixels with a logit above −1, only with a boundary', () => {
    // two pixels converge to (0, 3) in the band, two to (10, 10) outside it
    const pos = new Float32Array([0, 3, 0.2, 3.1, 10, 10, 10.3, 9.8]);
    const px = new Int32Array([0, 1, 2, 3]);
    const boundary = new Float32Array(20 * 20).fill(0);
    const kept = groupByRounding(pos, px, 20, 20);
    expect(kept.count).toBe(2);
    const cut = groupByRounding(pos, px, 20, 20, { boundary, width: 5, threshold: -1 });
    expect(cut.count).toBe(1);
    expect(cut.labels[0]).toBe(0);
    expect(cut.labels[2]).toBe(1);
    boundary.fill(-1); // not above −1: kept
    expect(groupByRounding(pos, px, 20, 20, { boundary, width: 5, threshold: -1 }).count).toBe(2);
  });
});

describe('dbscan', () => {
  const blob = (y: number, x: number, k: number): number[] =>
    Array.from({ length: k }, (_, i) => [y + 0.1 * (i % 3), x + 0.1 * Math.floor(i / 3)]).flat();

  it('finds the clusters of sklearn DBSCAN(eps=√2, min_samples=5) and snaps outliers', () => {
    const pts = new Float32Array([...blob(5, 5, 9), ...blob(20, 20, 9), 5, 7.2, 30, 30, 30.5, 30.5]);
    const { clusters, count } = dbscan(pts, 40, 40, DB);
    expect(count).toBe(2);
    expect(new Set([...clusters.slice(0, 9)])).toEqual(new Set([0]));
    expect(new Set([...clusters.slice(9, 18)])).toEqual(new Set([1]));
    // (5, 7.2) is 2 px from the first blob: noise for DBSCAN, snapped to blob 0
    expect(clusters[18]).toBe(0);
    // the far pair has the second blob as nearest clustered point among its 50 neighbours
    expect(clusters[19]).toBe(1);
  });
  it('counts the point itself in min_samples and includes points at exactly eps', () => {
    // 5 points on a line 1 px apart: the middle one has 3 within √2 (itself included)
    const line = new Float32Array([0, 0, 0, 1, 0, 2, 0, 3, 0, 4]);
    expect(dbscan(line, 10, 10, { ...DB, minSamples: 3 }).count).toBe(1);
    const diag = new Float32Array([1, 1, 2, 2, 3, 3]); // exactly √2 apart
    expect(dbscan(diag, 10, 10, { ...DB, minSamples: 3 }).count).toBe(1);
  });
  it('leaves a single outlier unsnapped, as Omnipose does', () => {
    const pts = new Float32Array([...blob(5, 5, 9), 9, 9]);
    expect(dbscan(pts, 20, 20, DB).clusters[9]).toBe(-1);
  });
});

describe('cleanupMasks', () => {
  it('removes masks under minSize, fills holes under 3 %, cuts to the foreground, renumbers', () => {
    const rows = 14;
    const cols = 30;
    const labels = new Int32Array(rows * cols);
    const fg = new Uint8Array(rows * cols).fill(1);
    // label 7: a 12×12 square (144 px) with a 1-pixel hole (< 4.32) and a 9-pixel hole (kept)
    for (let r = 1; r < 13; r++) for (let c = 1; c < 13; c++) labels[r * cols + c] = 7;
    labels[3 * cols + 3] = 0;
    for (let r = 7; r < 10; r++) for (let c = 7; c < 10; c++) labels[r * cols + c] = 0;
    // label 2 appears later in raster order: 3×3 (9 px < 15) is removed
    for (let r = 4; r < 7; r++) for (let c = 20; c < 23; c++) labels[r * cols + c] = 2;
    // label 3: 4×5 = 20 px, whose 1-pixel hole lies outside the foreground
    for (let r = 8; r < 12; r++) for (let c = 18; c < 23; c++) labels[r * cols + c] = 3;
    labels[9 * cols + 20] = 0;
    fg[9 * cols + 20] = 0;
    const count = cleanupMasks(labels, 7, fg, rows, cols, 15, 3);
    expect(count).toBe(2);
    expect(labels[3 * cols + 3]).toBe(1); // small hole filled, label 7 → 1 (first appearance)
    expect(labels[8 * cols + 8]).toBe(0); // big hole kept
    expect(labels[5 * cols + 21]).toBe(0); // small mask removed
    expect(labels[8 * cols + 18]).toBe(2);
    expect(labels[9 * cols + 20]).toBe(0); // hole outside the foreground stays background
  });
});

describe('flow check', () => {
  it('drops masks whose flows disagree with the prediction', () => {
    const rows = 12;
    const cols = 24;
    const n = rows * cols;
    const labels = new Int32Array(n);
    for (let r = 2; r < 10; r++) for (let c = 2; c < 10; c++) labels[r * cols + c] = 1;
    for (let r = 2; r < 10; r++) for (let c = 14; c < 22; c++) labels[r * cols + c] = 2;
    // prediction: 5 × the inward unit direction for mask 1, the outward one for mask 2
    const flow = new Float32Array(2 * n);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const l = labels[r * cols + c]!;
        if (!l) continue;
        const cy = 5.5;
        const cx = l === 1 ? 5.5 : 17.5;
        const norm = Math.hypot(cy - r, cx - c) || 1;
        const sign = l === 1 ? 1 : -1;
        flow[r * cols + c] = (5 * sign * (cy - r)) / norm;
        flow[n + r * cols + c] = (5 * sign * (cx - c)) / norm;
      }
    }
    removeBadFlowMasks(labels, 2, flow, rows, cols, 0.4);
    expect(labels.includes(1)).toBe(true);
    expect(labels.includes(2)).toBe(false);
  });
});

describe('computeMasks validation', () => {
  it('names the shapes and values that are wrong', () => {
    const ok = {
      shape: [4, 4] as [number, number],
      distance: new Float32Array(16),
      flow: new Float32Array(32),
    };
    expect(() => computeMasks({ ...ok, flow: new Float32Array(16) })).toThrow(ShapeError);
    expect(() => computeMasks({ ...ok, flow: new Float32Array(16) })).toThrow(/flow \[2, 4, 4\] needs 32/);
    expect(() => computeMasks(ok, { niter: 1.5 })).toThrow(ValueError);
    expect(() => computeMasks(ok, { rescale: 0 })).toThrow(ValueError);
    const nan = new Float32Array(16);
    nan[3] = Number.NaN;
    expect(() => computeMasks({ ...ok, distance: nan })).toThrow(/non-finite/);
  });
  it('forced DBSCAN and forced rounding give the same cells on well-separated discs', () => {
    const rows = 48;
    const cols = 48;
    const n = rows * cols;
    const distance = new Float32Array(n).fill(-5);
    const flow = new Float32Array(2 * n);
    for (const [cy, cx] of [
      [12, 12],
      [34, 30],
    ] as const) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const d = Math.hypot(r - cy, c - cx);
          if (d > 8) continue;
          distance[r * cols + c] = 9 - d;
          flow[r * cols + c] = d > 0 ? (5 * (cy - r)) / d : 0;
          flow[n + r * cols + c] = d > 0 ? (5 * (cx - c)) / d : 0;
        }
      }
    }
    const fields = { shape: [rows, cols] as [number, number], distance, flow };
    expect(computeMasks(fields, { cluster: false }).count).toBe(2);
    expect(computeMasks(fields, { cluster: true }).count).toBe(2);
  });
});
