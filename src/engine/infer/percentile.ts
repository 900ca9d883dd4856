/**
 * Percentiles with numpy's default semantics (`np.percentile(a, q)`, method `'linear'`, numpy
 * 1.26 `_quantile`): sort the n values, take the virtual index `(n − 1) · q / 100`, and
 * interpolate linearly between the two neighbouring order statistics with numpy's `_lerp`
 * (`a + (b − a)·t`, or `b − (b − a)·(1 − t)` when `t ≥ 0.5`, in float64).
 *
 * No full sort: 8- and 16-bit unsigned data go through a counting histogram (O(n + 2^bits)); any
 * other dtype through an in-place multi-rank quickselect (Hoare partition, median-of-three
 * pivot; average O(n) per rank, and robust to the many ties of microscopy backgrounds).
 *
 * @example
 * percentiles(new Float32Array([4, 1, 3, 2]), [0, 50, 100]); // [1, 2.5, 4]
 */
import { ValueError } from '../errors.ts';
import type { TypedArray } from '../types.ts';

/** Values of one channel: `data[offset + i * stride]` for `i < count`. */
export interface StridedValues {
  data: TypedArray;
  offset: number;
  stride: number;
  count: number;
}

/** numpy's `_lerp` for `t` in [0, 1]: exact at both ends and symmetric about 0.5. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** The order statistics at the (sorted, distinct) ranks, from a counting histogram. */
function ranksByHistogram(v: StridedValues, bins: number, ranks: number[]): number[] {
  const counts = new Uint32Array(bins);
  const { data, offset, stride, count } = v;
  for (let i = 0, j = offset; i < count; i++, j += stride) counts[data[j]!]!++;
  const out: number[] = [];
  let value = 0;
  let seen = counts[0]!; // number of values <= `value`
  for (const rank of ranks) {
    while (seen <= rank) seen += counts[++value]!;
    out.push(value);
  }
  return out;
}

/** Rearranges `a[left..right]` so that `a[k]` holds the value of rank k (nth_element). */
function selectRank(a: Float32Array | Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // median of three, so sorted or constant runs do not degrade to O(n²)
    if (a[mid]! < a[left]!) swap(a, mid, left);
    if (a[right]! < a[left]!) swap(a, right, left);
    if (a[right]! < a[mid]!) swap(a, right, mid);
    const pivot = a[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * The order statistics at the sorted ranks, by successive quickselects on a copy. Zeros (most of a
 * masked image, e.g. the divergence of a flow that is zero off the cells) are counted, not copied:
 * negatives fill the copy from the front and positives from the back, so each sits in its sorted
 * block and a rank in the zero block between them is 0.
 */
function ranksBySelection(v: StridedValues, ranks: number[]): number[] {
  const { data, offset, stride, count } = v;
  // float32 values stay float32 (as Omnipose casts to float32 before np.quantile); others float64
  const copy = data instanceof Float32Array ? new Float32Array(count) : new Float64Array(count);
  let neg = 0;
  let pos = count;
  for (let i = 0, j = offset; i < count; i++, j += stride) {
    const x = data[j]!;
    if (x < 0) copy[neg++] = x;
    else if (x !== 0) copy[--pos] = x;
  }
  const out: number[] = [];
  let leftNeg = 0;
  let leftPos = pos;
  for (const rank of ranks) {
    // after selecting a rank, everything right of it is >= it: later ranks only search there
    if (rank < neg) {
      selectRank(copy, rank, leftNeg, neg - 1);
      leftNeg = rank;
    } else if (rank >= pos) {
      selectRank(copy, rank, leftPos, count - 1);
      leftPos = rank;
    }
    out.push(rank < neg || rank >= pos ? copy[rank]! : 0);
  }
  return out;
}

/**
 * numpy `np.percentile(values, q)` (linear interpolation) for each `q` in [0, 100]. The values
 * must be finite (check first: numpy would propagate NaN). Empty input gives NaN, as numpy does.
 */
export function percentiles(values: TypedArray | StridedValues, q: readonly number[]): number[] {
  const v: StridedValues = ArrayBuffer.isView(values)
    ? { data: values, offset: 0, stride: 1, count: values.length }
    : values;
  const n = v.count;
  if (n === 0) return q.map(() => Number.NaN);
  const lows: number[] = [];
  const gammas: number[] = [];
  const wanted = new Set<number>();
  for (const p of q) {
    if (!(p >= 0 && p <= 100)) throw new ValueError(`percentile ${p} is outside [0, 100]`);
    const index = (n - 1) * (p / 100); // numpy: get_virtual_index = (n - 1) * quantiles
    const low = Math.floor(index);
    lows.push(low);
    gammas.push(index - low);
    wanted.add(low);
    wanted.add(Math.min(low + 1, n - 1));
  }
  const ranks = [...wanted].sort((a, b) => a - b);
  const d = v.data;
  const bins =
    d instanceof Uint8Array || d instanceof Uint8ClampedArray ? 256 : d instanceof Uint16Array ? 65536 : 0;
  // a histogram of 65,536 bins only pays off when there are enough values to fill it
  const stats = bins > 0 && n >= bins / 8 ? ranksByHistogram(v, bins, ranks) : ranksBySelection(v, ranks);
  const byRank = new Map(ranks.map((r, i) => [r, stats[i]!]));
  return lows.map((low, i) => lerp(byRank.get(low)!, byRank.get(Math.min(low + 1, n - 1))!, gammas[i]!));
}
