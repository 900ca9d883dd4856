/**
 * The row pass of the 2-D transform: a one-dimensional squared-distance transform by the lower
 * envelope of parabolas (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", Theory of Computing 8 (2012), §2.1), over the candidates left by `hull-filter.ts`.
 *
 * Along row `r`, candidate column `q` carries `h_q = f_q + q²`, where `f_q` is the squared vertical
 * distance to the nearest seed in its column. For every position `p` the envelope gives
 * `min_q (p − q)² + f_q`, the exact squared Euclidean distance to the nearest seed, and the
 * minimising `q`; the nearest seed itself is the nearest seed row of column `q`.
 */

/** Reusable buffers for one row: the candidates and the envelope, sized for `cols` columns. */
export class RowScratch {
  /** candidate columns and their `h_q = f_q + q²` (filled by `hull-filter.ts`) */
  readonly candidates: Int32Array;
  readonly heights: Float64Array;
  /** columns of the envelope's parabolas and their heights */
  readonly v: Int32Array;
  readonly h: Float64Array;
  /** `z[k]` .. `z[k + 1]` is where parabola `v[k]` is lowest */
  readonly z: Float64Array;
  constructor(cols: number) {
    const n = Math.max(1, cols);
    this.candidates = new Int32Array(n);
    this.heights = new Float64Array(n);
    this.v = new Int32Array(n);
    this.h = new Float64Array(n);
    this.z = new Float64Array(n + 1);
  }
}

/**
 * Builds the envelope of the `m ≥ 1` candidates in `s` (increasing columns) and returns the index
 * of its last parabola. The fewer non-vertices the filter left, the less the pop loop runs.
 */
export function buildEnvelope(s: RowScratch, m: number): number {
  const { candidates, heights, v, h, z } = s;
  // the top of the stack lives in locals (tv, th, tz), the rest in v, h, z
  let k = 0;
  let tv = candidates[0]!;
  let th = heights[0]!;
  let tz = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < m; i++) {
    const q = candidates[i]!;
    const hq = heights[i]!;
    // Pop the parabolas that parabola q hides. Its intersection with the top lies at
    // s = (hq − th) / (2 (q − tv)); as q > tv, "s ≤ tz" is tested without dividing.
    // z[0] = −∞ stops the loop at the first parabola.
    while (hq - th <= 2 * (q - tv) * tz) {
      k--;
      tv = v[k]!;
      th = h[k]!;
      tz = z[k]!;
    }
    v[k] = tv;
    h[k] = th;
    z[k] = tz;
    k++;
    tz = (hq - th) / (2 * (q - tv));
    tv = q;
    th = hq;
  }
  v[k] = tv;
  h[k] = th;
  z[k] = tz;
  z[k + 1] = Number.POSITIVE_INFINITY;
  return k;
}

/** Where a row's results go: columns `colStart .. colEnd − 1` at `distance[offset + p]`. */
export interface RowOutput {
  distance: Float32Array;
  offset: number;
  colStart: number;
  colEnd: number;
}

/** Writes the distances of the envelope (parabolas `0 .. k`) over the output columns. */
export function fillRow(s: RowScratch, k: number, out: RowOutput): void {
  const { v, h, z } = s;
  const { distance, offset } = out;
  const last = out.colEnd - 1;
  let p = out.colStart;
  // z increases along the envelope: parabola j owns the positions p ≤ z[j + 1] not owned before
  for (let j = 0; j <= k && p <= last; j++) {
    const zEnd = z[j + 1]!;
    const end = zEnd >= last ? last : Math.floor(zEnd);
    if (end < p) continue;
    const q = v[j]!;
    const fq = h[j]! - q * q;
    for (; p <= end; p++) {
      const dp = p - q;
      distance[offset + p] = Math.sqrt(dp * dp + fq);
    }
  }
}

/** The nearest seed rows per column at the current row (see `column-pass.ts`), for features. */
export interface RowSeeds {
  /** last seed row at or above, per pixel; this row starts at `aboveBase` */
  above: Int32Array;
  aboveBase: number;
  /** first seed row at or below, per column */
  below: Int32Array;
  row: number;
  cols: number;
}

/**
 * As {@link fillRow}, and writes the flat index of the nearest seed to `feature[offset + p]`
 * (a separate function, so that each call site stays monomorphic).
 */
export function fillRowWithFeature(
  s: RowScratch,
  k: number,
  out: RowOutput,
  feature: Int32Array,
  seeds: RowSeeds,
): void {
  const { v, h, z } = s;
  const { distance, offset } = out;
  const last = out.colEnd - 1;
  let p = out.colStart;
  for (let j = 0; j <= k && p <= last; j++) {
    const zEnd = z[j + 1]!;
    const end = zEnd >= last ? last : Math.floor(zEnd);
    if (end < p) continue;
    const q = v[j]!;
    const fq = h[j]! - q * q;
    // the nearer of the column's two seeds, the one above on a tie (as the column pass found it)
    const up = seeds.above[seeds.aboveBase + q]!;
    const down = seeds.below[q]!;
    const seed = (down - seeds.row < seeds.row - up ? down : up) * seeds.cols + q;
    for (; p <= end; p++) {
      const dp = p - q;
      distance[offset + p] = Math.sqrt(dp * dp + fq);
      feature[offset + p] = seed;
    }
  }
}

/**
 * For `nested-transform.ts`: the envelope's heights are `f + e/2` with `f` an integer; writes the
 * distance `√((p − q)² + f)` and `attained[offset + p] = 1 − e`, both constant in `e` per parabola.
 */
export function fillRowNested(s: RowScratch, k: number, out: RowOutput, attained: Uint8Array): void {
  const { v, h, z } = s;
  const { distance, offset } = out;
  const last = out.colEnd - 1;
  let p = out.colStart;
  for (let j = 0; j <= k && p <= last; j++) {
    const zEnd = z[j + 1]!;
    const end = zEnd >= last ? last : Math.floor(zEnd);
    if (end < p) continue;
    const q = v[j]!;
    const fe = h[j]! - q * q;
    const f = Math.floor(fe);
    const flag = fe === f ? 1 : 0;
    for (; p <= end; p++) {
      const dp = p - q;
      distance[offset + p] = Math.sqrt(dp * dp + f);
      attained[offset + p] = flag;
    }
  }
}
