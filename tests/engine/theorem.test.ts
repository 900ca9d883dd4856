/**
 * Theorem 1 of the Sketchpose paper, checked numerically on the pixel grid: for admissible strokes,
 * d_B = dist(·, E) on the valid set D, and d_CB ≤ dist(·, E) on all strokes S.
 */
import { describe, expect, it } from 'vitest';
import { distanceToSeeds } from '../../src/engine/edt/index.ts';
import { Random } from '../../src/engine/random.ts';
import { BACKGROUND, CELL, strokeSets } from '../../src/engine/targets/index.ts';
import { admissibleStrokes, touchingDiscs, trueEdges } from '../helpers/synthetic.ts';

describe('Theorem 1 (valid distance set)', () => {
  it('holds on 240 random label images of touching objects with random admissible strokes', () => {
    const rng = new Random(1234);
    let validPixels = 0;
    let cellValidPixels = 0;
    for (let k = 0; k < 240; k++) {
      const rows = rng.int(16, 72);
      const cols = rng.int(16, 72);
      const labels = touchingDiscs(rng, rows, cols, rng.int(2, 14));
      const codes = admissibleStrokes(rng, labels, rows, cols, rng.int(1, 12));
      const edges = trueEdges(labels, rows, cols);
      const distE = distanceToSeeds({ data: edges, shape: [rows, cols] }).distance;
      const outside = k % 3 === 0 ? 'not-boundary' : 'unknown';
      const sets = strokeSets({ data: codes, shape: [rows, cols] }, { outside });
      const mismatches: string[] = [];
      for (let i = 0; i < codes.length; i++) {
        const inS = codes[i] === BACKGROUND || codes[i] === CELL;
        if (!inS) continue;
        const dE = distE[i]!;
        if (sets.distanceToKnownEdge[i]! > dE + 1e-5) mismatches.push(`d_CB > dist(E) at ${i} in case ${k}`);
        if (sets.valid[i] === 1) {
          validPixels++;
          if (codes[i] === CELL) cellValidPixels++;
          if (Math.abs(sets.distanceToBoundary[i]! - dE) > 1e-5) {
            mismatches.push(`d_B ${sets.distanceToBoundary[i]} ≠ dist(E) ${dE} at ${i} in case ${k}`);
          }
        }
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
    }
    // the check is not vacuous: D holds many pixels, inside cells too
    console.log(`|D| = ${validPixels}, |D ∩ cells| = ${cellValidPixels}`);
    expect(validPixels).toBeGreaterThan(10_000);
    expect(cellValidPixels).toBeGreaterThan(5_000);
  });

  it('breaks when a cell stroke covers two touching objects without a boundary between them', () => {
    // Two touching discs; one cell stroke paints both (inadmissible), background painted around.
    const rows = 40;
    const cols = 60;
    const labels = new Int32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if ((r - 20) ** 2 + (c - 20) ** 2 <= 100) labels[r * cols + c] = 1;
        else if ((r - 20) ** 2 + (c - 39) ** 2 <= 100) labels[r * cols + c] = 2;
      }
    }
    const codes = new Uint8Array(rows * cols);
    for (let i = 0; i < codes.length; i++) codes[i] = labels[i] === 0 ? BACKGROUND : CELL;
    const edges = trueEdges(labels, rows, cols);
    const distE = distanceToSeeds({ data: edges, shape: [rows, cols] }).distance;
    const sets = strokeSets({ data: codes, shape: [rows, cols] }, { outside: 'not-boundary' });
    let wrong = 0;
    let worst = 0;
    for (let i = 0; i < codes.length; i++) {
      if (sets.valid[i] !== 1) continue;
      const err = sets.distanceToBoundary[i]! - distE[i]!;
      if (err > 1e-5) wrong++;
      worst = Math.max(worst, err);
    }
    console.log(
      `inadmissible stroke: ${wrong} valid pixels with a wrong d_B, worst error ${worst.toFixed(2)} px`,
    );
    // pixels near the unmarked contact get a distance target that is too large
    expect(wrong).toBeGreaterThan(10);
    expect(worst).toBeGreaterThan(3);
    // drawing the contact (as the UI's boundary brush would) makes the pixels exact again
    for (let i = 0; i < codes.length; i++) if (edges[i] === 1 && labels[i] !== 0) codes[i] = 3;
    const fixed = strokeSets({ data: codes, shape: [rows, cols] }, { outside: 'not-boundary' });
    for (let i = 0; i < codes.length; i++) {
      if (fixed.valid[i] === 1) expect(Math.abs(fixed.distanceToBoundary[i]! - distE[i]!)).toBeLessThan(1e-5);
    }
  });
});
