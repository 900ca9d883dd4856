/**
 * Accepting predictions as annotations: one object becomes cell with a 4-connected boundary ring
 * just outside it (a complete object), a box is labelled fully (background, cell, boundary where a
 * 4-neighbour has another label), coarse-level predictions map to full-resolution pixels, and each
 * action is one undo step.
 */
import { describe, expect, it } from 'vitest';
import { AnnotationStore } from '../../src/engine/annotations/index.ts';
import type { ViewportPrediction } from '../../src/layers/prediction-colors.ts';
import { acceptObject, labelAt, labelBoxFromPrediction } from '../../src/plugin/accept-prediction.ts';

function prediction(labels: number[][], level = 0, row0 = 0, col0 = 0): ViewportPrediction {
  const rows = labels.length;
  const cols = labels[0]!.length;
  const n = rows * cols;
  return {
    shape: [rows, cols],
    level,
    row0,
    col0,
    distance: new Float32Array(n),
    flow: new Float32Array(2 * n),
    boundary: new Float32Array(n),
    labels: Int32Array.from(labels.flat()),
    count: Math.max(...labels.flat()),
    step: 1,
  };
}

// biome-ignore format: a label image
const L = [
  [0, 0, 0, 0, 0, 0],
  [0, 1, 1, 0, 0, 0],
  [0, 1, 1, 0, 2, 0],
  [0, 0, 0, 0, 2, 0],
  [0, 0, 0, 0, 0, 0],
];

describe('accept a predicted object', () => {
  it('writes the object as cell and the ring outside it as boundary, as one undo step', () => {
    const a = new AnnotationStore({ shape: [20, 20], tileSize: 8 });
    const p = prediction(L, 0, 4, 4);
    expect(labelAt(p, 5, 5)).toBe(1);
    const changed = acceptObject(a, p, 6, 6);
    const w = a.readWindow(4, 4, 5, 6).data;
    // object 1 at rows 1-2, cols 1-2 of the window; its 4-neighbours outside are boundary
    // biome-ignore format: a 5×6 matrix
    expect(Array.from(w)).toEqual([
      0, 3, 3, 0, 0, 0,
      3, 2, 2, 3, 0, 0,
      3, 2, 2, 3, 0, 0,
      0, 3, 3, 0, 0, 0,
      0, 0, 0, 0, 0, 0,
    ]);
    expect(changed).toBe(12);
    a.undo();
    expect(a.tiles()).toEqual([]);
  });

  it('does nothing on background', () => {
    const a = new AnnotationStore({ shape: [20, 20], tileSize: 8 });
    expect(acceptObject(a, prediction(L), 0, 0)).toBe(0);
    expect(a.canUndo).toBe(false);
  });

  it('maps a level-1 prediction to 2×2 blocks of full-resolution pixels', () => {
    const a = new AnnotationStore({ shape: [20, 20], tileSize: 8 });
    const p = prediction(L, 1);
    acceptObject(a, p, 2, 2); // full-res (2, 2) = level-1 (1, 1), object 1
    const w = a.readWindow(0, 0, 8, 8).data;
    for (let r = 2; r < 6; r++) for (let c = 2; c < 6; c++) expect(w[r * 8 + c]).toBe(2);
    expect(w[1 * 8 + 3]).toBe(3);
    expect(w[6 * 8 + 3]).toBe(3);
    expect(w[1 * 8 + 1]).toBe(0); // diagonal: not in the 4-connected ring
  });
});

describe('label a box from the prediction', () => {
  it('labels every pixel: background, object interiors cell, object edges boundary', () => {
    const a = new AnnotationStore({ shape: [20, 20], tileSize: 8 });
    // biome-ignore format: a label image
    const big = [
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ];
    labelBoxFromPrediction(a, prediction(big), { row0: 0, col0: 0, row1: 5, col1: 5 });
    // biome-ignore format: a 5×5 matrix
    expect(Array.from(a.readWindow(0, 0, 5, 5).data)).toEqual([
      1, 1, 1, 1, 1,
      1, 3, 3, 3, 1,
      1, 3, 2, 3, 1,
      1, 3, 3, 3, 1,
      1, 1, 1, 1, 1,
    ]);
    // clipped to the prediction window
    expect(a.get(10, 10)).toBe(0);
  });
});
