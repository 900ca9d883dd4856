import { describe, expect, it } from 'vitest';
import { DtypeError, ValueError } from '../../src/engine/errors.ts';
import { Random } from '../../src/engine/random.ts';
import { BACKGROUND, CELL, computeTargets, labelsToCodes, UNKNOWN } from '../../src/engine/targets/index.ts';
import { admissibleStrokes, touchingDiscs } from '../helpers/synthetic.ts';

function allFinite(...arrays: Float32Array[]): boolean {
  return arrays.every((a) => a.every((v) => Number.isFinite(v)));
}

describe('labelsToCodes', () => {
  it('marks background 1, cells 2 and both sides of every contact 3', () => {
    const labels = Int32Array.from([0, 1, 1, 2, 2, 0]);
    expect([...labelsToCodes({ data: labels, shape: [1, 6] }).data]).toEqual([1, 2, 3, 3, 2, 1]);
  });
  it('rejects float labels and negative values', () => {
    expect(() => labelsToCodes({ data: new Float32Array(4), shape: [2, 2] })).toThrow(DtypeError);
    expect(() => labelsToCodes({ data: Int32Array.from([0, -2, 0, 0]), shape: [2, 2] })).toThrow(
      /-2.*row 0, col 1/,
    );
  });
});

describe('computeTargets', () => {
  it('reduces to full Omnipose-style targets on a complete labelling: D = S', () => {
    // Invariant: with a complete labelling and the border not a boundary, every stroke pixel is
    // valid, so the distance and flow terms cover all pixels except drawn contacts.
    const rng = new Random(5);
    const rows = 64;
    const cols = 80;
    const labels = touchingDiscs(rng, rows, cols, 12);
    const codes = labelsToCodes({ data: labels, shape: [rows, cols] });
    const t = computeTargets(codes, { complete: true, outside: 'not-boundary' });
    let strokes = 0;
    for (let i = 0; i < rows * cols; i++) {
      const k = codes.data[i]!;
      if (k === BACKGROUND || k === CELL) {
        strokes++;
        expect(t.masks.valid[i]).toBe(1);
      }
      if (k === CELL) {
        // a unit flow scaled by 5 and a distance of at least one pixel
        expect(Math.hypot(t.flow[i]!, t.flow[rows * cols + i]!)).toBeCloseTo(5, 5);
        expect(t.distance[i]).toBeGreaterThanOrEqual(1);
      }
      if (k === BACKGROUND) expect(t.distance[i]).toBe(-5);
    }
    expect(t.counts.valid).toBe(strokes);
    expect(t.counts.inequality).toBe(0);
    expect(allFinite(t.distance, t.flow, t.boundary, t.weight)).toBe(true);
  });

  it('points flows from the nearest boundary into the cell', () => {
    // a single disc: left of its centre the flow points right (+x), right of it left (−x)
    const rows = 31;
    const cols = 31;
    const labels = new Int32Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) if ((r - 15) ** 2 + (c - 15) ** 2 <= 100) labels[r * cols + c] = 1;
    const t = computeTargets(labelsToCodes({ data: labels, shape: [rows, cols] }), { complete: true });
    const n = rows * cols;
    expect(t.flow[n + 15 * cols + 8]).toBeGreaterThan(3);
    expect(t.flow[n + 15 * cols + 22]).toBeLessThan(-3);
    expect(t.flow[10 * cols + 15]).toBeGreaterThan(3);
    // centre to the nearest background pixel, (5, 14): sqrt(10² + 1²)
    expect(t.distance[15 * cols + 15]).toBeCloseTo(Math.sqrt(101), 5);
  });

  it('equals the whole-window result when a crop is cut from the window', () => {
    const rng = new Random(11);
    const rows = 70;
    const cols = 90;
    const labels = touchingDiscs(rng, rows, cols, 15);
    const codes = {
      data: admissibleStrokes(rng, labels, rows, cols, 10),
      shape: [rows, cols] as [number, number],
    };
    const full = computeTargets(codes);
    const crop = { row: 13, col: 21, rows: 40, cols: 50 };
    const part = computeTargets(codes, { crop });
    const n = crop.rows * crop.cols;
    for (let r = 0; r < crop.rows; r++) {
      for (let c = 0; c < crop.cols; c++) {
        const i = (crop.row + r) * cols + crop.col + c;
        const o = r * crop.cols + c;
        expect(part.distance[o]).toBe(full.distance[i]);
        expect(part.flow[n + o]).toBe(full.flow[rows * cols + i]);
        expect(part.masks.valid[o]).toBe(full.masks.valid[i]);
        expect(part.weight[o]).toBe(full.weight[i]);
      }
    }
  });

  it('gives defined results when B is empty: D = ∅, no NaN, inequality on cells', () => {
    const codes = new Uint8Array(20 * 20).fill(UNKNOWN);
    for (let r = 5; r < 15; r++) for (let c = 5; c < 15; c++) codes[r * 20 + c] = CELL;
    const t = computeTargets({ data: codes, shape: [20, 20] });
    expect(t.counts.valid).toBe(0);
    expect(t.counts.inequality).toBe(100);
    expect(t.counts.boundaryLoss).toBe(100);
    expect(allFinite(t.distance, t.flow, t.boundary, t.weight)).toBe(true);
    // the lower bound grows inward: 0 on the stroke's rim, 4 at its centre
    expect(t.lowerBound[5 * 20 + 5]).toBe(0);
    expect(t.lowerBound[9 * 20 + 9]).toBe(4);
  });

  it('gives empty masks for an empty annotation', () => {
    const t = computeTargets({ data: new Uint8Array(16 * 16), shape: [16, 16] });
    expect(Object.values(t.counts).every((c) => c === 0)).toBe(true);
    expect(allFinite(t.distance, t.flow, t.boundary)).toBe(true);
  });

  it('rejects codes above 3 and non-Uint8 codes, naming the value and pixel', () => {
    const codes = new Uint8Array(12);
    codes[7] = 9;
    expect(() => computeTargets({ data: codes, shape: [3, 4] })).toThrow(ValueError);
    expect(() => computeTargets({ data: codes, shape: [3, 4] })).toThrow(/code 9 at \(row 1, col 3\)/);
    expect(() => computeTargets({ data: new Uint16Array(12), shape: [3, 4] })).toThrow(DtypeError);
    expect(() =>
      computeTargets(
        { data: new Uint8Array(12), shape: [3, 4] },
        { crop: { row: 2, col: 0, rows: 2, cols: 4 } },
      ),
    ).toThrow(/crop/);
  });

  it('cuts partial instances apart at drawn boundaries (4-connectivity)', () => {
    // two cell blocks joined by a column of drawn boundary: two instances
    const codes = new Uint8Array(5 * 7);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 7; c++) codes[r * 7 + c] = c === 3 ? 3 : CELL;
    const t = computeTargets({ data: codes, shape: [5, 7] });
    expect(new Set(t.instances).size).toBe(3); // 0 on the boundary column, then 1 and 2
    expect(t.instances[0]).not.toBe(t.instances[6]);
  });
});
