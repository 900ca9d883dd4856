/**
 * Connected-component labelling of a binary mask, 4- or 8-connected, by runs: each row is cut
 * into runs of foreground pixels, a run is merged (union-find) with the runs of the row above
 * that touch it, and labels are written run by run. This is the classic two-pass algorithm
 * (Rosenfeld & Pfaltz 1966) on runs instead of pixels (as in He, Chao & Suzuki 2008), so the
 * union-find work scales with the number of runs, not of pixels.
 *
 * Labels are 1..n in raster order of each component's first pixel; 0 outside the mask.
 */
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';

export interface Components {
  labels: Int32Array;
  count: number;
  shape: [number, number];
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]!]!;
    x = parent[x]!;
  }
  return x;
}

/** Joins the sets of `a` and `b`, keeping the smaller root (the earlier run) as representative. */
function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

/** First index from `i` (below `end`) in the foreground: `data ≠ 0`, or `data = v`. */
function skipBackground(
  data: ArrayLike<number>,
  i: number,
  end: number,
  nonzero: boolean,
  v: number,
): number {
  if (nonzero) while (i < end && data[i] === 0) i++;
  else while (i < end && data[i] !== v) i++;
  return i;
}

/** First index from `i` (below `end`) back in the background. */
function skipForeground(
  data: ArrayLike<number>,
  i: number,
  end: number,
  nonzero: boolean,
  v: number,
): number {
  if (nonzero) while (i < end && data[i] !== 0) i++;
  else while (i < end && data[i] === v) i++;
  return i;
}

/**
 * Labels the pixels where `data[i] === value` (or, without `value`, where `data[i] !== 0`).
 * Runs `k` of the row above touch the run `[start, end)` when they overlap `[start − d, end + d)`,
 * with `d = 0` for 4-connectivity and `1` for 8-connectivity (diagonal contact).
 */
export function labelComponents(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  connectivity: 4 | 8,
  value?: number,
): Components {
  const n = rows * cols;
  const d = connectivity === 8 ? 1 : 0;
  // at most ⌈cols / 2⌉ runs per row; run k has id k + 1 (0 is the background)
  const capacity = rows * ((cols + 1) >> 1) + 1;
  const runStart = new Int32Array(capacity);
  const runEnd = new Int32Array(capacity);
  const parent = new Int32Array(capacity + 1);
  // runs of row r: rowFirst[r] .. rowFirst[r + 1] − 1
  const rowFirst = new Int32Array(rows + 1);
  let runs = 0;
  const nonzero = value === undefined;
  const v = value ?? 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const rowEnd = base + cols;
    rowFirst[r] = runs;
    const prevLast = runs;
    let k = r > 0 ? rowFirst[r - 1]! : 0;
    let i = base;
    while (i < rowEnd) {
      i = skipBackground(data, i, rowEnd, nonzero, v);
      if (i === rowEnd) break;
      const start = i - base;
      i = skipForeground(data, i, rowEnd, nonzero, v);
      const end = i - base;
      runStart[runs] = start;
      runEnd[runs] = end;
      parent[runs + 1] = runs + 1;
      // runs above that end before this one's reach cannot touch this or any later run
      while (k < prevLast && runEnd[k]! + d <= start) k++;
      for (let j = k; j < prevLast && runStart[j]! < end + d; j++) union(parent, j + 1, runs + 1);
      runs++;
    }
  }
  rowFirst[rows] = runs;
  // final labels in order of first appearance, which is the raster order of the runs
  const finalLabel = new Int32Array(runs + 1);
  let count = 0;
  for (let id = 1; id <= runs; id++) {
    const root = find(parent, id);
    finalLabel[id] = root === id ? ++count : finalLabel[root]!;
  }
  const labels = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let k = rowFirst[r]!; k < rowFirst[r + 1]!; k++) {
      labels.fill(finalLabel[k + 1]!, base + runStart[k]!, base + runEnd[k]!);
    }
  }
  return { labels, count, shape: [rows, cols] };
}

/** Labels the pixels where `mask` is nonzero. */
export function connectedComponents(mask: Raster, connectivity: 4 | 8 = 4): Components {
  const [rows, cols] = checkRaster(mask, 'connectedComponents');
  return labelComponents(mask.data, rows, cols, connectivity);
}
