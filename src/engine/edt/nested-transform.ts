/**
 * Two nested seed sets in one transform: the distance to an outer set O, and where an inner
 * subset I ⊆ O is as near (`d_I = d_O`), which is all the training targets need of the distance
 * to B inside the distance to CB = B ∪ ∂S (the valid set D is where d_B ≤ d_CB, i.e. equal).
 *
 * Why it is exact: the row pass minimises `(p − q)² + f_q` with `f_q` the outer squared vertical
 * distance of column `q`; here parabola `q` is raised by `e_q / 2`, where `e_q = 0` when the
 * column's nearest inner seed is as near as its nearest outer one. Every `(p − q)² + f_q` is an
 * integer, so the minimum is the integer `d_O²` exactly when some column attains `d_O²` with
 * `e_q = 0`, i.e. through an inner seed (a column with `e_q = 1` gives its inner seeds more than
 * its outer value, hence more than `d_O²`); otherwise it is `d_O² + 1/2`. The envelope
 * (Felzenszwalb & Huttenlocher 2012) works for any real heights, so one row pass answers both.
 *
 * `InnerSeeds` then gives `d_I` at the few other pixels a caller needs, exactly, by scanning the
 * columns within a known bound of the pixel (the row pass recorded each column's nearest inner
 * seed row). It picks the nearest seed as the full transform's feature does: the smallest column
 * among the nearest, the upper seed within a column.
 */
import { ColumnSeeds } from './column-pass.ts';
import { buildEnvelope, fillRowNested, type RowOutput, RowScratch } from './envelope.ts';
import { filterRounds, nestedCandidates } from './hull-filter.ts';
import type { Region } from './region-transform.ts';

/** Nearest inner seed rows per column on the region's rows, and exact look-ups from them. */
export class InnerSeeds {
  /** flat index of the seed found by the last {@link nearest} call */
  seed = -1;
  /**
   * @param seedRows  per region row, per raster column, the row of the column's nearest inner
   *                  seed (a row far outside the raster when the column has none)
   */
  constructor(
    private readonly seedRows: Int32Array,
    private readonly cols: number,
    private readonly rowStart: number,
  ) {}

  /**
   * Squared distance from `(r, p)` (r in the region) to the nearest inner seed, which must lie
   * within `reach` columns of `p`; leaves its flat index in `seed`.
   */
  nearest(r: number, p: number, reach: number): number {
    const { seedRows, cols } = this;
    const base = (r - this.rowStart) * cols;
    let best = Number.POSITIVE_INFINITY;
    const end = Math.min(cols - 1, p + reach);
    for (let q = Math.max(0, p - reach); q <= end; q++) {
      const dy = r - seedRows[base + q]!;
      const d2 = (p - q) * (p - q) + dy * dy;
      // strictly smaller: the first (smallest) column wins ties, as in the row pass
      if (d2 < best) {
        best = d2;
        this.seed = seedRows[base + q]! * cols + q;
      }
    }
    return best;
  }
}

export interface NestedTransform {
  /** distance to the nearest outer seed on the region (row-major); `+Infinity` without seeds */
  distance: Float32Array;
  /** 1 where an inner seed is as near as the nearest outer one */
  attained: Uint8Array;
  inner: InnerSeeds;
}

/** `inner` must be a subset of `outer` (both nonzero where a seed is). */
export function nestedTransform(
  inner: ArrayLike<number>,
  outer: ArrayLike<number>,
  rows: number,
  cols: number,
  region: Region,
): NestedTransform {
  const { rowStart, rowEnd, colStart, colEnd } = region;
  const width = colEnd - colStart;
  const size = (rowEnd - rowStart) * width;
  const distance = new Float32Array(size);
  const attained = new Uint8Array(size);
  const innerRows = new Int32Array((rowEnd - rowStart) * cols);
  const result = { distance, attained, inner: new InnerSeeds(innerRows, cols, rowStart) };
  if (size === 0) return result;
  const o = new ColumnSeeds(outer, rows, cols, rowEnd, 'nonzero');
  const i = new ColumnSeeds(inner, rows, cols, rowEnd, 'nonzero');
  if (o.seededColumns(new Int32Array(cols)) === 0) {
    distance.fill(Number.POSITIVE_INFINITY);
  } else {
    const s = new RowScratch(cols);
    const out: RowOutput = { distance, offset: 0, colStart, colEnd };
    for (let r = rowEnd - 1; r >= rowStart; r--) {
      o.enterRow(r);
      i.enterRow(r);
      const at = (r - rowStart) * cols;
      const m0 = nestedCandidates(
        o.above,
        o.below,
        i.above,
        i.below,
        r * cols,
        r,
        cols,
        innerRows,
        at,
        s.candidates,
        s.heights,
      );
      const m = filterRounds(s.candidates, s.heights, m0, cols);
      out.offset = (r - rowStart) * width - colStart;
      fillRowNested(s, buildEnvelope(s, m), out, attained);
    }
  }
  o.release();
  i.release();
  return result;
}
