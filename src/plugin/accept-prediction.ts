/**
 * Turning the current viewport prediction into annotations: accept one predicted object (its
 * pixels become cell, the ring of pixels just outside it becomes boundary: a complete object, as
 * the closed-stroke rule makes), or label a whole box from the prediction (objects' interiors cell,
 * their edges, where a 4-neighbour has another label, boundary, everything else background).
 * Predictions made at a coarser level are upsampled by nearest neighbour. Each call is one undo
 * step (whole touched tiles are replaced through `writeTiles`).
 */
import type { AnnotationStore } from '../engine/annotations/index.ts';
import { BACKGROUND, BOUNDARY, CELL } from '../engine/targets/codes.ts';
import type { ViewportPrediction } from '../layers/prediction-colors.ts';

/** Label of the prediction at full-resolution pixel (row, col); 0 outside it. */
export function labelAt(p: ViewportPrediction, row: number, col: number): number {
  if (!p.labels) return 0;
  const f = 2 ** p.level;
  const r = Math.floor((row - p.row0) / f);
  const c = Math.floor((col - p.col0) / f);
  const [rows, cols] = p.shape;
  if (r < 0 || c < 0 || r >= rows || c >= cols) return 0;
  return p.labels[r * cols + c]!;
}

/** Applies `code(row, col)` (or -1 = leave) over a full-resolution box as one undo step. */
function writeBox(
  annotations: AnnotationStore,
  row0: number,
  col0: number,
  row1: number,
  col1: number,
  code: (row: number, col: number) => number,
  cause: string,
): number {
  const [H, W] = annotations.shape;
  row0 = Math.max(0, row0);
  col0 = Math.max(0, col0);
  row1 = Math.min(H, row1);
  col1 = Math.min(W, col1);
  const s = annotations.tileSize;
  const tiles: { tileRow: number; tileCol: number; data: Uint8Array }[] = [];
  let changed = 0;
  for (let tr = Math.floor(row0 / s); tr * s < row1; tr++) {
    for (let tc = Math.floor(col0 / s); tc * s < col1; tc++) {
      const data = annotations.readTile(tr, tc) ?? new Uint8Array(s * s);
      let any = false;
      for (let r = Math.max(row0, tr * s); r < Math.min(row1, (tr + 1) * s); r++) {
        for (let c = Math.max(col0, tc * s); c < Math.min(col1, (tc + 1) * s); c++) {
          const v = code(r, c);
          const i = (r - tr * s) * s + (c - tc * s);
          if (v >= 0 && data[i] !== v) {
            data[i] = v;
            any = true;
            changed++;
          }
        }
      }
      if (any) tiles.push({ tileRow: tr, tileCol: tc, data });
    }
  }
  if (tiles.length > 0) annotations.writeTiles(tiles, cause);
  return changed;
}

/**
 * Accepts the predicted object under (row, col): its pixels → cell, the 4-connected ring just
 * outside → boundary. Returns the number of pixels changed (0 when no object is there).
 */
export function acceptObject(
  annotations: AnnotationStore,
  p: ViewportPrediction,
  row: number,
  col: number,
): number {
  const id = labelAt(p, row, col);
  if (id === 0 || !p.labels) return 0;
  const f = 2 ** p.level;
  const [rows, cols] = p.shape;
  let r0 = rows;
  let r1 = -1;
  let c0 = cols;
  let c1 = -1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (p.labels[r * cols + c] === id) {
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    }
  }
  const inside = (r: number, c: number) => labelAt(p, r, c) === id;
  return writeBox(
    annotations,
    p.row0 + r0 * f - 1,
    p.col0 + c0 * f - 1,
    p.row0 + (r1 + 1) * f + 1,
    p.col0 + (c1 + 1) * f + 1,
    (r, c) => {
      if (inside(r, c)) return CELL;
      if (inside(r - 1, c) || inside(r + 1, c) || inside(r, c - 1) || inside(r, c + 1)) return BOUNDARY;
      return -1;
    },
    'accept',
  );
}

/** Labels the full-resolution box fully from the prediction (see the module doc). */
export function labelBoxFromPrediction(
  annotations: AnnotationStore,
  p: ViewportPrediction,
  box: { row0: number; col0: number; row1: number; col1: number },
): number {
  if (!p.labels) return 0;
  const f = 2 ** p.level;
  const r0 = Math.max(box.row0, p.row0);
  const c0 = Math.max(box.col0, p.col0);
  const r1 = Math.min(box.row1, p.row0 + p.shape[0] * f);
  const c1 = Math.min(box.col1, p.col0 + p.shape[1] * f);
  if (r1 <= r0 || c1 <= c0) return 0;
  return writeBox(
    annotations,
    r0,
    c0,
    r1,
    c1,
    (r, c) => {
      const l = labelAt(p, r, c);
      if (l === 0) return BACKGROUND;
      const edge =
        labelAt(p, r - 1, c) !== l ||
        labelAt(p, r + 1, c) !== l ||
        labelAt(p, r, c - 1) !== l ||
        labelAt(p, r, c + 1) !== l;
      return edge ? BOUNDARY : CELL;
    },
    'box',
  );
}
