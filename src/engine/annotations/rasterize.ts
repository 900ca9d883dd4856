/**
 * Pixel coverage of brush strokes. Points are deck.gl world coordinates at full resolution:
 * `x` = column, `y` = row, pixel (row, col) covering [col, col+1) × [row, row+1), its centre at
 * (col + 0.5, row + 0.5).
 */

export interface Point {
  x: number;
  y: number;
}

export type PixelVisitor = (row: number, col: number) => void;

/** Squared distance from (px, py) to the segment a-b. */
function segmentDistance2(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0;
  t = Math.min(1, Math.max(0, t));
  const ex = px - (a.x + t * dx);
  const ey = py - (a.y + t * dy);
  return ex * ex + ey * ey;
}

/**
 * Visits every pixel whose centre lies within `radius` of the polyline through `points` (a disc
 * swept along the path; a single point gives a disc). The radius is at least 0.5 so that a path
 * never skips a pixel it crosses. A pixel is visited once per segment whose capsule covers it.
 */
export function sweepDisc(points: readonly Point[], radius: number, visit: PixelVisitor): void {
  if (points.length === 0) return;
  const rad = Math.max(0.5, radius);
  const r2 = rad * rad;
  const path = points.length === 1 ? [points[0]!, points[0]!] : points;
  for (let k = 0; k + 1 < path.length; k++) {
    const a = path[k]!;
    const b = path[k + 1]!;
    const rowMin = Math.floor(Math.min(a.y, b.y) - rad - 0.5);
    const rowMax = Math.ceil(Math.max(a.y, b.y) + rad - 0.5);
    const colMin = Math.floor(Math.min(a.x, b.x) - rad - 0.5);
    const colMax = Math.ceil(Math.max(a.x, b.x) + rad - 0.5);
    for (let row = rowMin; row <= rowMax; row++) {
      for (let col = colMin; col <= colMax; col++) {
        if (segmentDistance2(col + 0.5, row + 0.5, a, b) <= r2) visit(row, col);
      }
    }
  }
}

/**
 * Visits the pixels a polyline passes through, in order, as a 4-connected chain (grid traversal
 * after Amanatides & Woo, 1987): consecutive pixels share an edge, so a boundary drawn this way
 * separates 4-connected cell strokes on its two sides. Where the path crosses a pixel corner
 * exactly, the row step is taken first.
 */
export function traceLine(points: readonly Point[], visit: PixelVisitor): void {
  if (points.length === 0) return;
  let row = Math.floor(points[0]!.y);
  let col = Math.floor(points[0]!.x);
  visit(row, col);
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const endRow = Math.floor(b.y);
    const endCol = Math.floor(b.x);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const stepC = dx > 0 ? 1 : -1;
    const stepR = dy > 0 ? 1 : -1;
    // parameter t along the segment at which the next column / row boundary is crossed
    const tDeltaC = dx !== 0 ? Math.abs(1 / dx) : Number.POSITIVE_INFINITY;
    const tDeltaR = dy !== 0 ? Math.abs(1 / dy) : Number.POSITIVE_INFINITY;
    let tMaxC = dx !== 0 ? ((dx > 0 ? col + 1 : col) - a.x) / dx : Number.POSITIVE_INFINITY;
    let tMaxR = dy !== 0 ? ((dy > 0 ? row + 1 : row) - a.y) / dy : Number.POSITIVE_INFINITY;
    // the walk starts in the previous segment's end pixel; bound the steps for safety
    let guard = Math.abs(endRow - row) + Math.abs(endCol - col) + 4;
    while ((row !== endRow || col !== endCol) && guard-- > 0) {
      if (tMaxR <= tMaxC) {
        row += stepR;
        tMaxR += tDeltaR;
      } else {
        col += stepC;
        tMaxC += tDeltaC;
      }
      visit(row, col);
    }
    // floating-point drift can stop the walk one pixel short: close the gap 4-connectedly
    while (row !== endRow) {
      row += row < endRow ? 1 : -1;
      visit(row, col);
    }
    while (col !== endCol) {
      col += col < endCol ? 1 : -1;
      visit(row, col);
    }
  }
}
