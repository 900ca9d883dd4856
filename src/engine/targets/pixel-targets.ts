/**
 * Per-pixel target values of `computeTargets` (paper §2.2-2.3): the flow from the distance field
 * and the weight ρ = β + exp(−d_CB / α).
 */
import type { InnerSeeds } from '../edt/nested-transform.ts';

/**
 * d_CB on the crop and its one-pixel ring (row stride `width`), where d_B = d_CB (`attained`), and
 * exact look-ups of d_B elsewhere (`nested-transform.ts`); padded row stride `pc`.
 */
export interface BoundaryField {
  dCB: Float32Array;
  attained: Uint8Array;
  inner: InnerSeeds;
  width: number;
  pc: number;
}

/** d_B at index `di`, padded `(py, px)`, known to be at most `reach` (as float32, as stored). */
function boundaryDistance(b: BoundaryField, di: number, py: number, px: number, reach: number): number {
  if (b.attained[di] === 1) return b.dCB[di]!;
  return Math.fround(Math.sqrt(b.inner.nearest(py, px, reach)));
}

/**
 * Writes `scale` × the unit gradient of d_B at a pixel of D (index `di`, padded `(py, px)`) to
 * `flow[o]` (dy) and `flow[n + o]` (dx), by central differences; falls back to the direction away
 * from the nearest B pixel where the gradient vanishes. On D d_B = d_CB, and a neighbour is at
 * most one pixel farther from B, which bounds the look-ups. `Math.sqrt(x² + y²)` rather than
 * `Math.hypot`, which is about ten times slower in V8; grid distances are far from overflow.
 */
export function writeFlow(
  b: BoundaryField,
  di: number,
  py: number,
  px: number,
  flow: Float32Array,
  o: number,
  n: number,
  scale: number,
): void {
  const { width } = b;
  const d = b.dCB[di]!;
  const reach = Math.ceil(d) + 1;
  let gy =
    boundaryDistance(b, di + width, py + 1, px, reach) - boundaryDistance(b, di - width, py - 1, px, reach);
  let gx = boundaryDistance(b, di + 1, py, px + 1, reach) - boundaryDistance(b, di - 1, py, px - 1, reach);
  let norm = Math.sqrt(gy * gy + gx * gx);
  if (!(norm > 1e-6 && Number.isFinite(norm))) {
    b.inner.nearest(py, px, Math.ceil(d));
    const f = b.inner.seed;
    gy = py - Math.floor(f / b.pc);
    gx = px - (f % b.pc);
    // d_B ≥ 1 on cells (B holds no cell pixel), so the nearest B pixel is never the pixel itself
    norm = Math.sqrt(gy * gy + gx * gx);
  }
  flow[o] = scale * (gy / norm);
  flow[n + o] = scale * (gx / norm);
}

/** ρ = β + exp(−d/α) with a lookup on d² (an integer for grid distances) below 64². */
const weightTables = new Map<string, Float32Array>();
function weightTable(alpha: number, beta: number): Float32Array {
  const key = `${alpha},${beta}`;
  let t = weightTables.get(key);
  if (!t) {
    t = new Float32Array(4096);
    for (let d2 = 0; d2 < t.length; d2++) t[d2] = beta + Math.exp(-Math.sqrt(d2) / alpha);
    weightTables.set(key, t);
  }
  return t;
}

/** Writes ρ for `count` distances `d[from ..]` to `out[at ..]`; 0 where d is infinite. */
export function writeWeights(
  d: Float32Array,
  from: number,
  count: number,
  out: Float32Array,
  at: number,
  alpha: number,
  beta: number,
): void {
  const table = weightTable(alpha, beta);
  for (let c = 0; c < count; c++) {
    const dc = d[from + c]!;
    // d² rounded to the grid integer it is (`| 0` rather than Math.round, which is slow in V8)
    const d2 = dc * dc + 0.5;
    out[at + c] = d2 < 4096 ? table[d2 | 0]! : Number.isFinite(dc) ? beta + Math.exp(-dc / alpha) : 0;
  }
}
