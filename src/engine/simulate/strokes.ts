/**
 * Strokes a person would draw on an image whose full labels are known (the frugal case of the
 * Sketchpose paper): `cells` objects chosen at random each get a cell scribble (a thick random walk
 * that stays inside the object, painted only on its pixels), a background band painted around
 * them (only on background pixels), a few free background scribbles, and a one-pixel boundary line
 * wherever two scribbled objects touch (drawn on the pixels of one of the two, as the UI's
 * boundary brush does).
 *
 * Admissible by construction (ALGORITHM.md §1): cell strokes lie in objects, background strokes in
 * the background, drawn boundaries on object pixels that touch another object (true edges), and
 * no cell stroke pixel is 4-adjacent to a cell stroke pixel of another object, because every
 * contact between two scribbled objects is drawn. Deterministic by seed.
 */
import { distanceToOtherLabels } from '../edt/index.ts';
import { DtypeError, ValueError } from '../errors.ts';
import { Random } from '../random.ts';
import { checkRaster } from '../raster.ts';
import { BACKGROUND, BOUNDARY, CELL } from '../targets/codes.ts';
import type { Raster } from '../types.ts';

export interface StrokeOptions {
  /** objects to scribble (fewer when the image has fewer eligible objects) */
  cells: number;
  /** free background scribbles; default `cells` */
  backgroundStrokes?: number;
  /** seed; default 0 */
  seed?: number;
  /** cell brush radius as a fraction of the object's inscribed radius; default 0.6 */
  cellBrush?: number;
  /** background brush radius in pixels; default 3 */
  backgroundBrush?: number;
  /** width in pixels of the background band painted around each scribbled object; 0 = none; default 3 */
  outline?: number;
  /** objects with fewer pixels are never chosen; default 20 */
  minArea?: number;
}

export interface StrokeSimulation {
  codes: Raster<Uint8Array>;
  /** labels of the scribbled objects, in the order they were chosen */
  objects: number[];
}

interface ObjectInfo {
  label: number;
  pixels: number[];
  /** largest distance to another label inside the object */
  inradius: number;
}

function nonNegative(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(`simulateStrokes: ${name} must be a finite number ≥ 0, got ${v}`);
  }
  return v;
}

/** Paints a disc of `radius` at (r, c) on the pixels where `allowed(i)` holds. */
function paintDisc(
  codes: Uint8Array,
  rows: number,
  cols: number,
  r: number,
  c: number,
  radius: number,
  code: number,
  allowed: (i: number) => boolean,
): void {
  const r0 = Math.max(0, Math.floor(r - radius));
  const r1 = Math.min(rows - 1, Math.ceil(r + radius));
  const c0 = Math.max(0, Math.floor(c - radius));
  const c1 = Math.min(cols - 1, Math.ceil(c + radius));
  const rr = radius * radius;
  for (let y = r0; y <= r1; y++) {
    for (let x = c0; x <= c1; x++) {
      if ((y - r) ** 2 + (x - c) ** 2 > rr) continue;
      const i = y * cols + x;
      if (allowed(i)) codes[i] = code;
    }
  }
}

/**
 * A random walk of `steps` unit steps from (r, c) that only moves onto pixels where `inside(i)`
 * holds (a blocked step turns the heading instead); calls `visit` at every position.
 */
function randomWalk(
  rng: Random,
  rows: number,
  cols: number,
  start: [number, number],
  steps: number,
  inside: (i: number) => boolean,
  visit: (r: number, c: number) => void,
): void {
  let [r, c] = start;
  let heading = rng.uniform(0, 2 * Math.PI);
  visit(r, c);
  for (let s = 0; s < steps; s++) {
    heading += rng.uniform(-0.5, 0.5);
    const nr = r + Math.sin(heading);
    const nc = c + Math.cos(heading);
    const yr = Math.round(nr);
    const xc = Math.round(nc);
    if (yr < 0 || yr >= rows || xc < 0 || xc >= cols || !inside(yr * cols + xc)) {
      heading += Math.PI * rng.uniform(0.5, 1.5);
      continue;
    }
    r = nr;
    c = nc;
    visit(r, c);
  }
}

export function simulateStrokes(labels: Raster, options: StrokeOptions): StrokeSimulation {
  const [rows, cols] = checkRaster(labels, 'simulateStrokes');
  const l = labels.data;
  if (l instanceof Float32Array || l instanceof Float64Array) {
    throw new DtypeError(`simulateStrokes: labels must be an integer array, got ${l.constructor.name}`);
  }
  if (!Number.isInteger(options.cells) || options.cells < 0) {
    throw new ValueError(`simulateStrokes: cells must be an integer ≥ 0, got ${options.cells}`);
  }
  const nBackground = options.backgroundStrokes ?? options.cells;
  if (!Number.isInteger(nBackground) || nBackground < 0) {
    throw new ValueError(`simulateStrokes: backgroundStrokes must be an integer ≥ 0, got ${nBackground}`);
  }
  const cellBrush = nonNegative('cellBrush', options.cellBrush ?? 0.6);
  const backgroundBrush = nonNegative('backgroundBrush', options.backgroundBrush ?? 3);
  const outline = nonNegative('outline', options.outline ?? 3);
  const minArea = nonNegative('minArea', options.minArea ?? 20);
  const rng = new Random(options.seed ?? 0);
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    if (l[i]! < 0) throw new ValueError(`simulateStrokes: negative label ${l[i]} at index ${i}`);
  }

  // objects, their pixels and inscribed radius (distance to another label, image border included)
  const dist = distanceToOtherLabels(labels, { borderIsBoundary: true }).distance;
  const byLabel = new Map<number, ObjectInfo>();
  for (let i = 0; i < n; i++) {
    const v = l[i]!;
    if (v === 0) continue;
    let o = byLabel.get(v);
    if (!o) {
      o = { label: v, pixels: [], inradius: 0 };
      byLabel.set(v, o);
    }
    o.pixels.push(i);
    if (dist[i]! > o.inradius) o.inradius = dist[i]!;
  }
  const eligible = [...byLabel.values()].filter((o) => o.pixels.length >= minArea);
  eligible.sort((a, b) => a.label - b.label);
  // partial Fisher-Yates: the first `cells` entries are a uniform random choice
  const k = Math.min(options.cells, eligible.length);
  for (let j = 0; j < k; j++) {
    const t = rng.int(j, eligible.length - 1);
    [eligible[j], eligible[t]] = [eligible[t]!, eligible[j]!];
  }
  const chosen = eligible.slice(0, k);
  const rank = new Map<number, number>(chosen.map((o, j) => [o.label, j]));

  const codes = new Uint8Array(n);
  const isBackground = (i: number) => l[i] === 0;
  for (const o of chosen) {
    const own = (i: number) => l[i] === o.label;
    // cell scribble: start deep inside, walk about four inscribed radii
    const deep = o.pixels.filter((i) => dist[i]! >= 0.5 * o.inradius);
    const s = deep[rng.int(0, deep.length - 1)]!;
    const radius = Math.max(1, cellBrush * o.inradius);
    const steps = Math.max(4, Math.round(4 * o.inradius));
    randomWalk(rng, rows, cols, [Math.floor(s / cols), s % cols], steps, own, (r, c) =>
      paintDisc(codes, rows, cols, r, c, radius, CELL, own),
    );
    // background band around the object
    if (outline > 0) {
      for (const i of o.pixels) {
        const r = Math.floor(i / cols);
        const c = i % cols;
        const edge =
          (r > 0 && l[i - cols] === 0) ||
          (r < rows - 1 && l[i + cols] === 0) ||
          (c > 0 && l[i - 1] === 0) ||
          (c < cols - 1 && l[i + 1] === 0);
        if (edge) paintDisc(codes, rows, cols, r, c, outline, BACKGROUND, isBackground);
      }
    }
  }
  // free background scribbles
  for (let b = 0; b < nBackground; b++) {
    let start = -1;
    for (let tries = 0; tries < 1000 && start < 0; tries++) {
      const i = rng.int(0, n - 1);
      if (l[i] === 0) start = i;
    }
    if (start < 0) break;
    const steps = rng.int(20, 80);
    randomWalk(rng, rows, cols, [Math.floor(start / cols), start % cols], steps, isBackground, (r, c) =>
      paintDisc(codes, rows, cols, r, c, backgroundBrush, BACKGROUND, isBackground),
    );
  }
  // boundary lines where two scribbled objects touch, on the side of the earlier-chosen one
  for (const o of chosen) {
    const ro = rank.get(o.label)!;
    for (const i of o.pixels) {
      const r = Math.floor(i / cols);
      const c = i % cols;
      const nb = [
        r > 0 ? i - cols : -1,
        r < rows - 1 ? i + cols : -1,
        c > 0 ? i - 1 : -1,
        c < cols - 1 ? i + 1 : -1,
      ];
      for (const j of nb) {
        if (j < 0) continue;
        const other = l[j]!;
        if (other === 0 || other === o.label) continue;
        const rj = rank.get(other);
        if (rj !== undefined && ro < rj) {
          codes[i] = BOUNDARY;
          break;
        }
      }
    }
  }
  return { codes: { data: codes, shape: [rows, cols] }, objects: chosen.map((o) => o.label) };
}
