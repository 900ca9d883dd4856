/**
 * Simulated partial annotations (src/engine/simulate): the paper's noise masks and a person's
 * strokes, generated from real DSB2018 label images (tests/fixtures/io/real, CC0) and synthetic
 * touching discs. Invariants: deterministic by seed; the noise mask keeps exactly round(p·N)
 * pixels in spatially coherent blobs and the full codes on them; both simulators produce
 * admissible annotations, checked as Theorem 1 checks them (d_CB ≤ dist(E) on S and
 * d_B = dist(E) on the valid set D, with D holding cell pixels).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distanceToSeeds } from '../../src/engine/edt/index.ts';
import { DtypeError, ValueError } from '../../src/engine/errors.ts';
import { readImage } from '../../src/engine/io/index.ts';
import { Random } from '../../src/engine/random.ts';
import {
  annotatedFraction,
  noiseKeepMask,
  simulatePartialMask,
  simulateStrokes,
} from '../../src/engine/simulate/index.ts';
import {
  BACKGROUND,
  BOUNDARY,
  CELL,
  labelsToCodes,
  type Outside,
  strokeSets,
  UNKNOWN,
} from '../../src/engine/targets/index.ts';
import { touchingDiscs, trueEdges } from '../helpers/synthetic.ts';

const FIX = new URL('../fixtures/io/real/', import.meta.url).pathname;

async function realLabels(name: string): Promise<{ labels: Int32Array; rows: number; cols: number }> {
  const img = await readImage(new Uint8Array(readFileSync(`${FIX}${name}`)));
  return { labels: Int32Array.from(img.data), rows: img.shape[0], cols: img.shape[1] };
}

interface TheoremCheck {
  violations: string[];
  valid: number;
  validCells: number;
}

/** Theorem 1's two statements on the pixel grid, as tests/engine/theorem.test.ts checks them. */
function theoremCheck(labels: Int32Array, codes: Uint8Array, rows: number, cols: number, outside: Outside) {
  const edges = trueEdges(labels, rows, cols);
  const distE = distanceToSeeds({ data: edges, shape: [rows, cols] }).distance;
  const sets = strokeSets({ data: codes, shape: [rows, cols] }, { outside });
  const out: TheoremCheck = { violations: [], valid: 0, validCells: 0 };
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] !== BACKGROUND && codes[i] !== CELL) continue;
    if (sets.distanceToKnownEdge[i]! > distE[i]! + 1e-4) out.violations.push(`d_CB > dist(E) at ${i}`);
    if (sets.valid[i] === 1) {
      out.valid++;
      if (codes[i] === CELL) out.validCells++;
      if (Math.abs(sets.distanceToBoundary[i]! - distE[i]!) > 1e-4)
        out.violations.push(`d_B ≠ dist(E) at ${i}`);
    }
  }
  return out;
}

/** Structural assumptions: classes right, boundaries on true contacts, no unseparated cell strokes. */
function structuralViolations(labels: Int32Array, codes: Uint8Array, rows: number, cols: number): string[] {
  const bad: string[] = [];
  const full = labelsToCodes({ data: labels, shape: [rows, cols] }).data;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const v = codes[i]!;
      if (v === BACKGROUND && labels[i] !== 0) bad.push(`background stroke on object at ${i}`);
      if (v === CELL && labels[i] === 0) bad.push(`cell stroke on background at ${i}`);
      if (v === BOUNDARY && full[i] !== BOUNDARY) bad.push(`drawn boundary off a contact at ${i}`);
      if (v !== CELL) continue;
      for (const j of [c < cols - 1 ? i + 1 : -1, r < rows - 1 ? i + cols : -1]) {
        if (j >= 0 && codes[j] === CELL && labels[j] !== labels[i])
          bad.push(`cell strokes of two objects meet at ${i}`);
      }
    }
  }
  return bad;
}

describe('noise masks (paper §3.4.2)', () => {
  it('are deterministic by seed and differ between seeds', () => {
    const a = noiseKeepMask([64, 80], { fraction: 0.3, seed: 5 });
    const b = noiseKeepMask([64, 80], { fraction: 0.3, seed: 5 });
    const c = noiseKeepMask([64, 80], { fraction: 0.3, seed: 6 });
    expect(a).toEqual(b);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differ++;
    expect(differ).toBeGreaterThan(a.length * 0.1);
  });

  it('keep exactly round(p·N) pixels, in coherent blobs rather than salt-and-pepper', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_00071198d059ba7f_labels.tif');
    for (const p of [1, 0.5, 0.25, 0.1, 0]) {
      const codes = simulatePartialMask({ data: labels, shape: [rows, cols] }, { fraction: p, seed: 11 });
      expect(annotatedFraction(codes)).toBeCloseTo(Math.round(p * rows * cols) / (rows * cols), 12);
      if (p === 0 || p === 1) continue;
      // interior share: kept pixels whose four neighbours are all kept; white noise would give p⁴
      let kept = 0;
      let interior = 0;
      const d = codes.data;
      for (let r = 1; r < rows - 1; r++) {
        for (let c = 1; c < cols - 1; c++) {
          const i = r * cols + c;
          if (d[i] === UNKNOWN) continue;
          kept++;
          if (d[i - 1] && d[i + 1] && d[i - cols] && d[i + cols]) interior++;
        }
      }
      expect(interior / kept).toBeGreaterThan(0.75);
    }
  });

  it('carry the full codes on the kept pixels and unknown elsewhere', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_00071198d059ba7f_labels.tif');
    const full = labelsToCodes({ data: labels, shape: [rows, cols] }).data;
    const keep = noiseKeepMask([rows, cols], { fraction: 0.25, seed: 3, sigma: 4 });
    const codes = simulatePartialMask(
      { data: labels, shape: [rows, cols] },
      { fraction: 0.25, seed: 3, sigma: 4 },
    );
    for (let i = 0; i < full.length; i++) expect(codes.data[i]).toBe(keep[i] ? full[i] : UNKNOWN);
  });

  it('satisfy Theorem 1 on a real image of 313 nuclei with 98 touching pairs, at 50/25/10 %', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_07fb37aafa662660_labels.tif');
    for (const [p, outside] of [
      [0.5, 'unknown'],
      [0.25, 'not-boundary'],
      [0.1, 'unknown'],
    ] as const) {
      const codes = simulatePartialMask(
        { data: labels, shape: [rows, cols] },
        { fraction: p, seed: 21 },
      ).data;
      expect(structuralViolations(labels, codes, rows, cols).slice(0, 3)).toEqual([]);
      const check = theoremCheck(labels, codes, rows, cols, outside);
      expect(check.violations.slice(0, 3)).toEqual([]);
      // not vacuous: the kept blobs give D inside cells
      expect(check.validCells).toBeGreaterThan(0.02 * p * rows * cols);
      // boundaries survive where the kept region crosses contacts
      expect(codes.some((v) => v === BOUNDARY)).toBe(true);
    }
  });

  it('become inadmissible (and the check notices) when the kept contacts are painted as cell', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_07fb37aafa662660_labels.tif');
    const codes = simulatePartialMask(
      { data: labels, shape: [rows, cols] },
      { fraction: 0.5, seed: 21 },
    ).data;
    for (let i = 0; i < codes.length; i++) if (codes[i] === BOUNDARY) codes[i] = CELL;
    expect(structuralViolations(labels, codes, rows, cols).length).toBeGreaterThan(0);
    expect(theoremCheck(labels, codes, rows, cols, 'unknown').violations.length).toBeGreaterThan(0);
  });

  it('refuse a fraction outside [0, 1], a bad sigma and float labels with typed errors', () => {
    const labels = { data: new Int32Array(16), shape: [4, 4] as [number, number] };
    expect(() => simulatePartialMask(labels, { fraction: 1.5 })).toThrow(ValueError);
    expect(() => simulatePartialMask(labels, { fraction: Number.NaN })).toThrow(/fraction/);
    expect(() => simulatePartialMask(labels, { fraction: 0.5, sigma: -1 })).toThrow(/sigma/);
    expect(() =>
      simulatePartialMask({ data: new Float32Array(16), shape: [4, 4] }, { fraction: 0.5 }),
    ).toThrow(DtypeError);
  });
});

describe('simulated strokes (a person scribbling)', () => {
  it('are deterministic by seed', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_00071198d059ba7f_labels.tif');
    const a = simulateStrokes({ data: labels, shape: [rows, cols] }, { cells: 6, seed: 2 });
    const b = simulateStrokes({ data: labels, shape: [rows, cols] }, { cells: 6, seed: 2 });
    const c = simulateStrokes({ data: labels, shape: [rows, cols] }, { cells: 6, seed: 3 });
    expect(a.codes.data).toEqual(b.codes.data);
    expect(a.objects).toEqual(b.objects);
    expect(c.codes.data).not.toEqual(a.codes.data);
  });

  it('scribble inside k distinct objects, paint background, and stay sparse', async () => {
    const { labels, rows, cols } = await realLabels('dsb2018_07fb37aafa662660_labels.tif');
    const { codes, objects } = simulateStrokes({ data: labels, shape: [rows, cols] }, { cells: 12, seed: 4 });
    expect(objects).toHaveLength(12);
    expect(new Set(objects).size).toBe(12);
    const cellLabels = new Set<number>();
    let background = 0;
    for (let i = 0; i < codes.data.length; i++) {
      if (codes.data[i] === CELL) cellLabels.add(labels[i]!);
      if (codes.data[i] === BACKGROUND) background++;
    }
    expect([...cellLabels].sort((x, y) => x - y)).toEqual([...objects].sort((x, y) => x - y));
    expect(background).toBeGreaterThan(200);
    const f = annotatedFraction(codes);
    expect(f).toBeGreaterThan(0.005);
    expect(f).toBeLessThan(0.15);
  });

  it('draw a boundary line wherever two scribbled objects touch, on one side only', () => {
    const rows = 40;
    const cols = 60;
    const labels = new Int32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if ((r - 20) ** 2 + (c - 20) ** 2 <= 100) labels[r * cols + c] = 1;
        else if ((r - 20) ** 2 + (c - 39) ** 2 <= 100) labels[r * cols + c] = 2;
      }
    }
    const { codes, objects } = simulateStrokes({ data: labels, shape: [rows, cols] }, { cells: 2, seed: 9 });
    expect(objects.length).toBe(2);
    const drawnOn = new Set<number>();
    let drawn = 0;
    for (let i = 0; i < codes.data.length; i++) {
      if (codes.data[i] === BOUNDARY) {
        drawn++;
        drawnOn.add(labels[i]!);
      }
    }
    expect(drawn).toBeGreaterThan(0);
    expect([...drawnOn]).toEqual([objects[0]]);
    expect(structuralViolations(labels, codes.data, rows, cols)).toEqual([]);
  });

  it('satisfy Theorem 1 on real nuclei and on 60 random images of touching discs', async () => {
    const real = await realLabels('dsb2018_07fb37aafa662660_labels.tif');
    const cases: { labels: Int32Array; rows: number; cols: number; cells: number }[] = [
      { ...real, cells: 25 },
    ];
    const rng = new Random(77);
    for (let k = 0; k < 60; k++) {
      const rows = rng.int(24, 80);
      const cols = rng.int(24, 80);
      cases.push({
        labels: touchingDiscs(rng, rows, cols, rng.int(2, 14)),
        rows,
        cols,
        cells: rng.int(1, 6),
      });
    }
    let validCells = 0;
    let contacts = 0;
    for (const [k, t] of cases.entries()) {
      const { codes } = simulateStrokes(
        { data: t.labels, shape: [t.rows, t.cols] },
        { cells: t.cells, seed: 100 + k, minArea: 5 },
      );
      expect(structuralViolations(t.labels, codes.data, t.rows, t.cols).slice(0, 3)).toEqual([]);
      const check = theoremCheck(t.labels, codes.data, t.rows, t.cols, k % 2 ? 'unknown' : 'not-boundary');
      expect(check.violations.slice(0, 3)).toEqual([]);
      validCells += check.validCells;
      contacts += codes.data.filter((v) => v === BOUNDARY).length;
    }
    // not vacuous: the strokes give valid cell pixels and contact lines
    expect(validCells).toBeGreaterThan(1000);
    expect(contacts).toBeGreaterThan(50);
  });

  it('refuse bad options with typed errors', () => {
    const labels = { data: new Int32Array(16), shape: [4, 4] as [number, number] };
    expect(() => simulateStrokes(labels, { cells: -1 })).toThrow(ValueError);
    expect(() => simulateStrokes(labels, { cells: 1.5 })).toThrow(/cells/);
    expect(() => simulateStrokes(labels, { cells: 1, outline: Number.NaN })).toThrow(/outline/);
    expect(() => simulateStrokes({ data: new Float64Array(16), shape: [4, 4] }, { cells: 1 })).toThrow(
      DtypeError,
    );
  });
});
