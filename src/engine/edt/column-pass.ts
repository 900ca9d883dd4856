/**
 * The column pass of the 2-D transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", Theory of Computing 8 (2012), §2.2, specialised to a binary seed set): for
 * every pixel, the nearest seed row in its own column, one seed above or at the pixel, one below.
 *
 * Downward: `above` holds, per pixel, the row of the last seed at or above it. Row `r` equals row
 * `r − 1` except at the seeds of row `r`, so each row is a block copy (`copyWithin`, a memmove)
 * plus a store per seed, instead of a load, branch and store per pixel.
 *
 * Upward: the row pass runs bottom-up and keeps, per column, the first seed row at or below the
 * current row in `below`. The downward scan lists the seed columns of every row, so entering a row
 * updates `below` at its seeds only and the row pass itself just reads both arrays.
 *
 * Missing seeds are sentinel rows `S = rows + cols` beyond the raster, so "the nearer of the two"
 * is a plain minimum of `r − above` and `below − r`, and a column without any seed gets a vertical
 * distance of at least `S`: its parabola is above `S² > (rows − 1)² + (cols − 1)²`, any real
 * squared distance, at every pixel of the row, so it never owns one and needs no special case.
 */

/** Which raster values count as seeds. */
export type SeedRule = 'nonzero' | 'zero';

/**
 * `above` buffers of finished transforms, kept for the next ones: transforms run one at a time
 * (two at once in `nested-transform.ts`), and a fresh rows × cols Int32Array costs page faults
 * and zeroing (for 2048² about as much as the whole downward scan). At most two buffers of at
 * most `SPARE_LIMIT` entries (32 MiB) each are kept, so the memory held stays bounded.
 */
const spares: Int32Array[] = [];
const SPARE_LIMIT = 1 << 23;

function takeBuffer(size: number): Int32Array {
  const k = spares.findIndex((b) => b.length >= size);
  if (k < 0) return new Int32Array(size);
  const [buffer] = spares.splice(k, 1);
  return buffer!.subarray(0, size);
}

function giveBuffer(view: Int32Array): void {
  const whole = new Int32Array(view.buffer);
  if (whole.length > SPARE_LIMIT) return;
  spares.push(whole);
  // keep the two largest
  spares.sort((a, b) => b.length - a.length);
  spares.length = Math.min(spares.length, 2);
}

export class ColumnSeeds {
  /** row recorded where no seed lies above / below */
  readonly noneAbove: number;
  readonly noneBelow: number;
  /** per pixel of rows `0 .. rowEnd − 1`, the last seed row at or above it */
  readonly above: Int32Array;
  /** per column, the first seed row at or below the row the bottom-up sweep is at */
  readonly below: Int32Array;
  /** seed columns of row r: seedColumns[rowSeeds[r] .. rowSeeds[r + 1] − 1] */
  private readonly seedColumns: Int32Array;
  private readonly rowSeeds: Int32Array;

  /** Runs the downward scan over rows `0 .. rowEnd − 1`, and the upward one up to `rowEnd`. */
  constructor(
    private readonly data: ArrayLike<number>,
    rows: number,
    private readonly cols: number,
    private readonly rowEnd: number,
    private readonly rule: SeedRule,
  ) {
    const beyond = rows + cols;
    this.noneAbove = -beyond;
    this.noneBelow = rows - 1 + beyond;
    const size = rowEnd * cols;
    const above = takeBuffer(size);
    this.above = above;
    this.below = new Int32Array(cols).fill(this.noneBelow);
    this.rowSeeds = new Int32Array(rowEnd + 1);
    this.seedColumns = scanDown(data, cols, rowEnd, rule === 'zero', above, this.noneAbove, this.rowSeeds);
    for (let r = rows - 1; r >= rowEnd; r--) this.recordBelow(r);
  }

  /** Hands `above` back for reuse; the object must not be used afterwards. */
  release(): void {
    giveBuffer(this.above);
  }

  /** Moves `below` to row `r < rowEnd` (rows are entered bottom-up, one by one). */
  enterRow(r: number): void {
    const { below, seedColumns } = this;
    for (let t = this.rowSeeds[r]!, end = this.rowSeeds[r + 1]!; t < end; t++) below[seedColumns[t]!] = r;
  }

  /** Records the seeds of row `r ≥ rowEnd` in `below` (rows are visited bottom-up). */
  private recordBelow(r: number): void {
    const { data, cols, below } = this;
    const base = r * cols;
    const wantZero = this.rule === 'zero';
    for (let c = 0; c < cols; c++) if ((data[base + c] === 0) === wantZero) below[c] = r;
  }

  /** Writes the columns holding a seed to `out` and returns their count. */
  seededColumns(out: Int32Array): number {
    const { above, below, cols } = this;
    const last = (this.rowEnd - 1) * cols;
    let count = 0;
    for (let c = 0; c < cols; c++) {
      const seedAbove = this.rowEnd > 0 && above[last + c] !== this.noneAbove;
      if (seedAbove || below[c] !== this.noneBelow) out[count++] = c;
    }
    return count;
  }
}

/**
 * The downward scan: fills `above` for rows `0 .. rowEnd − 1` and returns the seed columns of
 * every row, row by row, with `rowSeeds[r]` the index of row `r`'s first one.
 */
function scanDown(
  data: ArrayLike<number>,
  cols: number,
  rowEnd: number,
  wantZero: boolean,
  above: Int32Array,
  noneAbove: number,
  rowSeeds: Int32Array,
): Int32Array {
  let list = new Int32Array(Math.max(16, cols));
  let seeds = 0;
  if (rowEnd > 0) above.fill(noneAbove, 0, cols);
  for (let r = 0, i = 0; r < rowEnd; r++) {
    if (r > 0) above.copyWithin(i, i - cols, i);
    rowSeeds[r] = seeds;
    if (seeds + cols > list.length) {
      const bigger = new Int32Array(Math.max(seeds + cols, 2 * list.length));
      bigger.set(list);
      list = bigger;
    }
    // the branch is taken once per seed, so it is well predicted for sparse and clustered seeds
    if (wantZero) {
      for (let c = 0; c < cols; c++, i++) {
        if (data[i] === 0) {
          above[i] = r;
          list[seeds++] = c;
        }
      }
    } else {
      for (let c = 0; c < cols; c++, i++) {
        if (data[i] !== 0) {
          above[i] = r;
          list[seeds++] = c;
        }
      }
    }
  }
  rowSeeds[rowEnd] = seeds;
  return list;
}
