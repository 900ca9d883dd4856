/**
 * The row pass of the 2-D transform: a one-dimensional squared-distance transform by the lower
 * envelope of parabolas (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", Theory of Computing 8 (2012), §2.1).
 *
 * Along one row, sample `q` carries the squared vertical distance `(row − nearestRow[q])²` to the
 * nearest seed in its column (found by the column pass), or nothing when the column has no seed.
 * For every position `p` the row pass returns `min_q (p − q)² + (row − nearestRow[q])²`, which is
 * the exact squared Euclidean distance to the nearest seed, and the minimising `q`.
 *
 * Columns without a seed never enter the envelope, so a raster without any seed yields
 * `+Infinity` and feature `−1` rather than NaN from `∞ − ∞`.
 */

/** Reusable scratch buffers for {@link envelopeRow}, sized for rows up to `capacity`. */
export class EnvelopeScratch {
  /** columns of the parabolas in the envelope */
  readonly v: Int32Array;
  /** their heights at the origin, `f[v] + v²`, kept so the pop loop does not recompute them */
  readonly h: Float64Array;
  /** boundaries between consecutive envelope parabolas (`z[k]` .. `z[k+1]` belongs to `v[k]`) */
  readonly z: Float64Array;
  constructor(capacity: number) {
    this.v = new Int32Array(Math.max(1, capacity));
    this.h = new Float64Array(Math.max(1, capacity));
    this.z = new Float64Array(Math.max(1, capacity) + 1);
  }
}

/**
 * @param nearestRow  for each column, the row of the nearest seed in that column, or −1
 * @param row         the row being transformed
 * @param cols        row length
 * @param distance    output: Euclidean distances written at `distance[base + p]`
 * @param feature     optional output: flat index of a nearest seed at `feature[base + p]`
 */
export function envelopeRow(
  nearestRow: Int32Array,
  row: number,
  cols: number,
  distance: Float32Array,
  feature: Int32Array | undefined,
  base: number,
  scratch: EnvelopeScratch,
): void {
  const v = scratch.v;
  const h = scratch.h;
  const z = scratch.z;
  let k = -1;
  for (let q = 0; q < cols; q++) {
    const nr = nearestRow[q]!;
    if (nr < 0) continue;
    const dy = row - nr;
    const hq = dy * dy + q * q;
    // Pop the parabolas that parabola q hides. Its intersection with v[k] lies at
    // s = (hq − h[k]) / (2 (q − v[k])); as q > v[k], "s ≤ z[k]" is tested without dividing.
    while (k >= 0 && hq - h[k]! <= 2 * (q - v[k]!) * z[k]!) k--;
    if (k < 0) {
      k = 0;
      z[0] = Number.NEGATIVE_INFINITY;
    } else {
      const s = (hq - h[k]!) / (2 * (q - v[k]!));
      k++;
      z[k] = s;
    }
    v[k] = q;
    h[k] = hq;
    z[k + 1] = Number.POSITIVE_INFINITY;
  }
  if (k < 0) {
    distance.fill(Number.POSITIVE_INFINITY, base, base + cols);
    if (feature) feature.fill(-1, base, base + cols);
    return;
  }
  // z increases along the envelope: parabola j owns the positions p ≤ z[j + 1] not owned before
  let p = 0;
  for (let j = 0; j <= k && p < cols; j++) {
    const zEnd = z[j + 1]!;
    const end = zEnd >= cols - 1 ? cols - 1 : Math.floor(zEnd);
    const q = v[j]!;
    const fq = h[j]! - q * q;
    if (feature) {
      const seed = nearestRow[q]! * cols + q;
      for (; p <= end; p++) {
        const dp = p - q;
        distance[base + p] = Math.sqrt(dp * dp + fq);
        feature[base + p] = seed;
      }
    } else {
      for (; p <= end; p++) {
        const dp = p - q;
        distance[base + p] = Math.sqrt(dp * dp + fq);
      }
    }
  }
}
