/**
 * The sets of the Sketchpose paper on a window of annotation codes (paper §2.3, ALGORITHM.md §2):
 * touching boundaries B01, boundaries B, strokes S, distances d_B and d_CB, and the valid distance
 * set D = { x ∈ S : d_B(x) ≤ d_CB(x) }, on which d_B equals the distance to the true edges
 * (Theorem 1).
 *
 * Discretisation (ALGORITHM.md §2, made exact on the pixel grid). True edges E of a label image
 * are the background pixels 4-adjacent to an object plus the object pixels 4-adjacent to a
 * different object (what `labelsToCodes` marks). B01 = background strokes 4-adjacent to cell
 * strokes; B = B01 ∪ drawn boundaries. The known edge CB = B ∪ ∂S, where ∂S are the stroke pixels
 * 4-adjacent to a pixel that is unknown (code 0 or an unknown outside) or a drawn boundary. With
 * ∂S on the *inner* side of the strokes, `d_CB ≤ dist(·, E)` holds exactly on S for admissible
 * strokes, hence `d_B = dist(·, E)` on D (docs/design/valid-distance-set.md has the proof; the
 * outer reading "distance to the nearest non-stroke pixel" is off by one pixel where a stroke
 * ends on a true edge). With `complete` (a full labelling converted by `labelsToCodes`, where
 * every contact is drawn on both sides) drawn boundaries are not added to ∂S, so D = S.
 *
 * What lies beyond the window is declared per side: `'unknown'` (the conservative default, right
 * for a window cut out of a larger image or for partial annotation at the image border) adds an
 * unknown ring, so D shrinks near that side; `'not-boundary'` follows Omnipose's convention that
 * the image border is never a cell edge (right for the true image border when the annotation is
 * complete), so with full annotation D = S.
 */
import { transformRegion } from '../edt/region-transform.ts';
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';
import { BACKGROUND, BOUNDARY, CELL, checkCodes, UNKNOWN } from './codes.ts';

export type Outside = 'unknown' | 'not-boundary';
export interface OutsideSides {
  top: Outside;
  bottom: Outside;
  left: Outside;
  right: Outside;
}

export interface StrokeSets {
  shape: [number, number];
  /** 1 on B01: background pixels 4-adjacent to a cell pixel */
  touching: Uint8Array;
  /** 1 on B = B01 ∪ drawn boundaries (code 3) */
  boundary: Uint8Array;
  /** d_B: distance to the nearest B pixel (+Infinity when B = ∅) */
  distanceToBoundary: Float32Array;
  /** flat window index of the nearest B pixel (−1 when B = ∅) */
  nearestBoundary: Int32Array;
  /** d_CB: distance to the nearest pixel of CB = B ∪ ∂S (0 on ∂S; +Infinity without any) */
  distanceToKnownEdge: Float32Array;
  /** 1 on D = { x ∈ S : d_B ≤ d_CB } */
  valid: Uint8Array;
}

/** Padding value for sides whose outside is not a boundary: neither a B nor a CB seed. */
const NEUTRAL = 255;

export interface SetOptions {
  /** What lies beyond the window, for all sides or per side; default `'unknown'`. */
  outside?: Outside | Partial<OutsideSides>;
  /** The codes are a complete labelling (from `labelsToCodes`); default false. */
  complete?: boolean;
}

export function resolveOutside(outside: Outside | Partial<OutsideSides> | undefined): OutsideSides {
  if (outside === undefined || typeof outside === 'string') {
    const o = outside ?? 'unknown';
    return { top: o, bottom: o, left: o, right: o };
  }
  return {
    top: outside.top ?? 'unknown',
    bottom: outside.bottom ?? 'unknown',
    left: outside.left ?? 'unknown',
    right: outside.right ?? 'unknown',
  };
}

/** Copies the window into a grid with a one-pixel ring that encodes what lies outside. */
function pad(codes: Uint8Array, rows: number, cols: number, sides: OutsideSides): Uint8Array {
  const pc = cols + 2;
  const padded = new Uint8Array((rows + 2) * pc);
  const v = (o: Outside): number => (o === 'unknown' ? 0 : NEUTRAL);
  padded.fill(v(sides.top), 0, pc);
  padded.fill(v(sides.bottom), (rows + 1) * pc, (rows + 2) * pc);
  for (let r = 0; r < rows; r++) {
    const row = (r + 1) * pc;
    padded[row] = v(sides.left);
    padded.set(codes.subarray(r * cols, (r + 1) * cols), row + 1);
    padded[row + cols + 1] = v(sides.right);
  }
  // a corner is unknown only when both adjoining sides are (keeps the proof's step argument valid)
  const corner = (a: Outside, b: Outside): number => (a === 'unknown' && b === 'unknown' ? 0 : NEUTRAL);
  padded[0] = corner(sides.top, sides.left);
  padded[pc - 1] = corner(sides.top, sides.right);
  padded[(rows + 1) * pc] = corner(sides.bottom, sides.left);
  padded[(rows + 2) * pc - 1] = corner(sides.bottom, sides.right);
  return padded;
}

/** The seed sets on the window grown by the one-pixel ring: `[rows + 2, cols + 2]`, row stride `pc`. */
export interface StrokeSeeds {
  rows: number;
  cols: number;
  pc: number;
  /** 1 on B */
  bSeeds: Uint8Array;
  /** 1 on CB = B ∪ ∂S (so B ⊆ CB) */
  cbSeeds: Uint8Array;
}

/** Computes B and CB on the padded window (seeds lie inside the window only). */
export function strokeSeeds(codesRaster: Raster, options: SetOptions = {}): StrokeSeeds {
  const codes = checkCodes(codesRaster, 'strokeSets');
  const [rows, cols] = codes.shape;
  const sides = resolveOutside(options.outside);
  const complete = options.complete ?? false;
  const pr = rows + 2;
  const pc = cols + 2;
  const p = pad(codes.data, rows, cols, sides);
  // a neighbour that puts a stroke pixel on ∂S: unknown always, a drawn boundary unless complete
  const cut3 = complete ? UNKNOWN : BOUNDARY;
  const bSeeds = new Uint8Array(pr * pc);
  const cbSeeds = new Uint8Array(pr * pc);
  for (let r = 1; r <= rows; r++) {
    const end = r * pc + 1 + cols;
    for (let i = r * pc + 1; i < end; i++) {
      // unknown pixels are no seed; they usually come in long runs
      while (i < end && p[i] === UNKNOWN) i++;
      if (i === end) break;
      const code = p[i]!;
      if (code === BOUNDARY) {
        bSeeds[i] = 1;
        cbSeeds[i] = 1;
        continue;
      }
      if (code !== BACKGROUND && code !== CELL) continue;
      const up = p[i - pc]!;
      const down = p[i + pc]!;
      const left = p[i - 1]!;
      const right = p[i + 1]!;
      const isB = code === BACKGROUND && (up === CELL || down === CELL || left === CELL || right === CELL);
      bSeeds[i] = isB ? 1 : 0;
      const onEdge =
        up === UNKNOWN ||
        down === UNKNOWN ||
        left === UNKNOWN ||
        right === UNKNOWN ||
        up === cut3 ||
        down === cut3 ||
        left === cut3 ||
        right === cut3;
      cbSeeds[i] = isB || onEdge ? 1 : 0;
    }
  }
  return { rows, cols, pc, bSeeds, cbSeeds };
}

/** Whether a stroke pixel is in D; B = ∅ (infinite d_B) is never valid, even where d_CB is ∞. */
export function isValid(code: number, db: number, dcb: number): boolean {
  return (code === BACKGROUND || code === CELL) && db <= dcb && db !== Number.POSITIVE_INFINITY;
}

/**
 * Computes the sets on the whole window. `B = ∅` gives `d_B = +∞` and `D = ∅` (training then
 * relies on the boundary and inequality terms); a window without strokes gives empty sets.
 */
export function strokeSets(codesRaster: Raster, options: SetOptions = {}): StrokeSets {
  const [rows, cols] = checkRaster(codesRaster, 'strokeSets');
  const ps = strokeSeeds(codesRaster, options);
  const { pc } = ps;
  // distances on the window itself: padded rows and columns 1 .. rows, 1 .. cols
  const window = { rowStart: 1, rowEnd: rows + 1, colStart: 1, colEnd: cols + 1 };
  const dB = transformRegion(ps.bSeeds, rows + 2, pc, 'nonzero', window, true);
  const dCB = transformRegion(ps.cbSeeds, rows + 2, pc, 'nonzero', window, false);
  const n = rows * cols;
  const touching = new Uint8Array(n);
  const boundary = new Uint8Array(n);
  const valid = new Uint8Array(n);
  const db = dB.distance;
  const dcb = dCB.distance;
  // padded flat index → window flat index, in place; B seeds only exist inside the window
  const nearest = dB.feature!;
  const src = codesRaster.data as Uint8Array;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0, pi = (r + 1) * pc + 1; c < cols; c++, i++, pi++) {
      const code = src[i]!;
      const isB = ps.bSeeds[pi]!;
      boundary[i] = isB;
      touching[i] = code === BACKGROUND ? isB : 0;
      const f = nearest[i]!;
      if (f >= 0) nearest[i] = f - pc - 1 - 2 * (Math.floor(f / pc) - 1);
      valid[i] = isValid(code, db[i]!, dcb[i]!) ? 1 : 0;
    }
  }
  return {
    shape: [rows, cols],
    touching,
    boundary,
    distanceToBoundary: db,
    nearestBoundary: nearest,
    distanceToKnownEdge: dcb,
    valid,
  };
}
