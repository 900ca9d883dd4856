/**
 * Synthetic ground truth and strokes for the engine tests: label images of touching discs and
 * strokes that obey the paper's assumptions (admissible) by construction.
 */
import type { Random } from '../../src/engine/random.ts';
import { BACKGROUND, BOUNDARY, CELL, labelsToCodes } from '../../src/engine/targets/index.ts';

/** Discs painted in order, later ones over earlier ones, so many objects touch. */
export function touchingDiscs(rng: Random, rows: number, cols: number, count: number): Int32Array {
  const labels = new Int32Array(rows * cols);
  for (let l = 1; l <= count; l++) {
    const cr = rng.uniform(0, rows);
    const cc = rng.uniform(0, cols);
    const ry = rng.uniform(3, Math.max(4, Math.min(rows, cols) / 4));
    const rx = ry * rng.uniform(0.6, 1.6);
    for (let r = Math.max(0, Math.floor(cr - ry)); r < Math.min(rows, Math.ceil(cr + ry + 1)); r++) {
      for (let c = Math.max(0, Math.floor(cc - rx)); c < Math.min(cols, Math.ceil(cc + rx + 1)); c++) {
        if (((r - cr) / ry) ** 2 + ((c - cc) / rx) ** 2 <= 1) labels[r * cols + c] = l;
      }
    }
  }
  return labels;
}

/** True edges E: background pixels 4-adjacent to an object and object pixels touching another. */
export function trueEdges(labels: Int32Array, rows: number, cols: number): Uint8Array {
  const codes = labelsToCodes({ data: labels, shape: [rows, cols] }).data;
  const edges = new Uint8Array(rows * cols);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if (codes[i] === BOUNDARY) edges[i] = 1;
      else if (labels[i] === 0) {
        const touches =
          (r > 0 && labels[i - cols] !== 0) ||
          (r < rows - 1 && labels[i + cols] !== 0) ||
          (c > 0 && labels[i - 1] !== 0) ||
          (c < cols - 1 && labels[i + 1] !== 0);
        edges[i] = touches ? 1 : 0;
      }
    }
  }
  return edges;
}

/**
 * Random brush strokes labelled with the true class. Contacts between objects painted inside one
 * stroke get a drawn boundary on at least one side (objects ranked at random; the lower-ranked
 * side is drawn, and sometimes both), so adjacent cell strokes always belong to one object.
 */
export function admissibleStrokes(
  rng: Random,
  labels: Int32Array,
  rows: number,
  cols: number,
  strokes: number,
): Uint8Array {
  const painted = new Uint8Array(rows * cols);
  for (let s = 0; s < strokes; s++) {
    let r = rng.uniform(0, rows);
    let c = rng.uniform(0, cols);
    const radius = rng.uniform(0.5, 6);
    const steps = rng.int(3, 40);
    let angle = rng.uniform(0, 2 * Math.PI);
    for (let k = 0; k < steps; k++) {
      for (let y = Math.floor(r - radius); y <= Math.ceil(r + radius); y++) {
        for (let x = Math.floor(c - radius); x <= Math.ceil(c + radius); x++) {
          if (y < 0 || y >= rows || x < 0 || x >= cols) continue;
          if ((y + 0.5 - r) ** 2 + (x + 0.5 - c) ** 2 <= radius * radius) painted[y * cols + x] = 1;
        }
      }
      angle += rng.uniform(-0.6, 0.6);
      r += Math.sin(angle) * 1.5;
      c += Math.cos(angle) * 1.5;
    }
  }
  const maxLabel = labels.reduce((m, v) => Math.max(m, v), 0);
  const rank = Array.from({ length: maxLabel + 1 }, () => rng.next());
  const bothSides = rng.next() < 0.3;
  const codes = new Uint8Array(rows * cols);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if (!painted[i]) continue;
      const l = labels[i]!;
      if (l === 0) {
        codes[i] = BACKGROUND;
        continue;
      }
      let drawn = false;
      const neighbours = [r > 0 ? i - cols : -1, r < rows - 1 ? i + cols : -1, c > 0 ? i - 1 : -1];
      neighbours.push(c < cols - 1 ? i + 1 : -1);
      for (const j of neighbours) {
        if (j < 0) continue;
        const o = labels[j]!;
        if (o !== 0 && o !== l && (bothSides || rank[l]! < rank[o]!)) drawn = true;
      }
      codes[i] = drawn ? BOUNDARY : CELL;
    }
  }
  return codes;
}
