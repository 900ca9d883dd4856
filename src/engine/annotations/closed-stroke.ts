/**
 * The closed-stroke rule: a user who outlines a cell with a closed cell stroke (or paints it solid)
 * declares the object complete. The stroke's 4-connected component is found from a clicked pixel;
 * its holes are the pixels enclosed by it; unknown hole pixels become cell, and the outer ring (the
 * pixels of stroke ∪ holes that touch the outside 4-wise) becomes boundary, so the object is cut
 * off from any cell stroke around it and its edge is a known boundary (paper §2.3).
 */
import { ValueError } from '../errors.ts';
import { BOUNDARY, CELL, UNKNOWN } from '../targets/codes.ts';
import type { TileGrid } from './tile-grid.ts';

/** Largest component the rule will follow, in pixels (a guard against flooding a whole slide). */
export const MAX_CLOSED_STROKE_PIXELS = 16 * 1024 * 1024;

/** Changes to apply as `[row, col, code]`, or null when (row, col) is not a cell stroke. */
export function closedStrokeRing(
  grid: TileGrid,
  row: number,
  col: number,
): [number, number, number][] | null {
  if (grid.get(row, col) !== CELL) return null;
  // 1. the stroke's component, by flood fill over the sparse grid
  const seen = new Set<number>();
  const stack = [row * grid.cols + col];
  seen.add(stack[0]!);
  let r0 = row;
  let r1 = row;
  let c0 = col;
  let c1 = col;
  while (stack.length > 0) {
    const p = stack.pop()!;
    const r = Math.floor(p / grid.cols);
    const c = p % grid.cols;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
    const next: [number, number][] = [
      [r - 1, c],
      [r + 1, c],
      [r, c - 1],
      [r, c + 1],
    ];
    for (const [nr, nc] of next) {
      if (grid.get(nr, nc) !== CELL) continue;
      const q = nr * grid.cols + nc;
      if (seen.has(q)) continue;
      seen.add(q);
      if (seen.size > MAX_CLOSED_STROKE_PIXELS) {
        throw new ValueError(
          `the cell stroke at (row ${row}, col ${col}) has more than ${MAX_CLOSED_STROKE_PIXELS} pixels; ` +
            'the closed-stroke rule applies to single objects',
        );
      }
      stack.push(q);
    }
  }
  // 2. a local window around it with a one-pixel margin; mark the component
  const wr = r0 - 1;
  const wc = c0 - 1;
  const h = r1 - r0 + 3;
  const w = c1 - c0 + 3;
  const inStroke = new Uint8Array(h * w);
  for (const p of seen) inStroke[(Math.floor(p / grid.cols) - wr) * w + ((p % grid.cols) - wc)] = 1;
  // 3. the outside: flood from the window's edge through pixels not in the stroke
  const outside = new Uint8Array(h * w);
  const queue: number[] = [];
  for (let x = 0; x < w; x++) queue.push(x, (h - 1) * w + x);
  for (let y = 0; y < h; y++) queue.push(y * w, y * w + w - 1);
  for (const q of queue) outside[q] = 1;
  while (queue.length > 0) {
    const i = queue.pop()!;
    const y = Math.floor(i / w);
    const x = i % w;
    const around = [y > 0 ? i - w : -1, y < h - 1 ? i + w : -1, x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1];
    for (const j of around) {
      if (j < 0 || outside[j] || inStroke[j]) continue;
      outside[j] = 1;
      queue.push(j);
    }
  }
  // 4. holes become cell (where unknown), the outer ring of stroke ∪ holes becomes boundary
  const changes: [number, number, number][] = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (outside[i]) continue;
      const r = wr + y;
      const c = wc + x;
      const ring = outside[i - w] || outside[i + w] || outside[i - 1] || outside[i + 1];
      if (ring) changes.push([r, c, BOUNDARY]);
      else if (!inStroke[i] && grid.get(r, c) === UNKNOWN) changes.push([r, c, CELL]);
    }
  }
  return changes;
}
