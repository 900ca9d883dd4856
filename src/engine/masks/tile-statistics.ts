/**
 * Image-wide statistics of the mask reconstruction gathered tile by tile, so that a tiled
 * reconstruction normalises and decides exactly as one pass over the whole image would:
 *
 * - the 0.01st and 99.99th percentiles of the divergence of the unit flow (Omnipose
 *   `div_rescale` → `normalize99`), computed exactly with NumPy's linear interpolation from the
 *   lowest and highest few values only (a bounded heap for each tail: ⌈10⁻⁴·N⌉ + 2 values);
 * - the mean diameter 6·mean(|d|) over the foreground (`get_masks`' DBSCAN switch) and
 *   6·mean(d) over d > 0 (`diameters`, the step count of a forced DBSCAN).
 *
 * Every pixel is counted once, in the tile that owns it, where it is far from the tile's edges, so
 * its divergence (central differences) and foreground membership are the single pass's.
 */
import type { PredictedFields } from './compute-masks.ts';
import { divergence, unitField } from './flow-field.ts';
import { hysteresisForeground } from './foreground.ts';

export interface ImageStatistics {
  divergenceRange: [number, number];
  meanDiameter: number;
  positiveMeanDiameter: number;
}

/** Accumulates the owned pixels of each tile; `finish` gives the statistics. */
export class StatisticsAccumulator {
  private readonly total: number;
  private readonly low: BoundedHeap;
  private readonly high: BoundedHeap;
  private readonly loIndex: number;
  private readonly hiIndex: number;
  private absSum = 0;
  private fgCount = 0;
  private posSum = 0;
  private posCount = 0;

  constructor(pixels: number) {
    this.total = pixels;
    this.loIndex = (pixels - 1) * (0.01 / 100);
    this.hiIndex = (pixels - 1) * (99.99 / 100);
    // ranks needed: floor(index) and floor(index) + 1 from each end
    this.low = new BoundedHeap(Math.floor(this.loIndex) + 2, 1);
    this.high = new BoundedHeap(pixels - Math.floor(this.hiIndex) + 1, -1);
  }

  /** Adds the pixels of `fields` inside rows [r0, r1) × cols [c0, c1) (tile coordinates). */
  add(fields: PredictedFields, threshold: number, r0: number, r1: number, c0: number, c1: number): void {
    const [rows, cols] = fields.shape;
    const fg = hysteresisForeground({ data: fields.distance, shape: [rows, cols] }, threshold);
    const div = divergence(unitField(fields.flow, fg.mask, rows * cols), rows, cols);
    for (let r = r0; r < r1; r++) {
      for (let i = r * cols + c0, e = r * cols + c1; i < e; i++) {
        this.low.offer(div[i]!);
        this.high.offer(div[i]!);
        const d = fields.distance[i]!;
        if (fg.mask[i] === 1) {
          this.absSum += Math.abs(d);
          this.fgCount++;
        }
        if (d > 0) {
          this.posSum += d;
          this.posCount++;
        }
      }
    }
  }

  finish(): ImageStatistics {
    const sortedLow = this.low.sorted(); // ascending: ranks 0, 1, …
    const sortedHigh = this.high.sorted(); // descending: ranks N−1, N−2, …
    const rank = (j: number): number =>
      j < sortedLow.length ? sortedLow[j]! : sortedHigh[this.total - 1 - j]!;
    const at = (index: number): number => {
      const lo = Math.floor(index);
      return lerp(rank(lo), rank(Math.min(lo + 1, this.total - 1)), index - lo);
    };
    return {
      divergenceRange: [at(this.loIndex), at(this.hiIndex)],
      meanDiameter: this.fgCount ? (6 * this.absSum) / this.fgCount : 0,
      positiveMeanDiameter: this.posCount ? (6 * this.posSum) / this.posCount : 0,
    };
  }
}

/** NumPy's `_lerp` (as engine/infer/percentile.ts). */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * Keeps the `capacity` smallest (sign 1) or largest (sign −1) values offered: a heap whose root
 * is the worst kept value.
 */
class BoundedHeap {
  private readonly v: Float64Array;
  private size = 0;
  constructor(
    private readonly capacity: number,
    private readonly sign: 1 | -1,
  ) {
    this.v = new Float64Array(Math.max(1, capacity));
  }

  offer(value: number): void {
    const x = this.sign * value;
    const v = this.v;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0 && v[(i - 1) >> 1]! < x) {
        v[i] = v[(i - 1) >> 1]!;
        i = (i - 1) >> 1;
      }
      v[i] = x;
      return;
    }
    if (this.capacity === 0 || x >= v[0]!) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const m = l + 1 < this.size && v[l + 1]! > v[l]! ? l + 1 : l;
      if (v[m]! <= x) break;
      v[i] = v[m]!;
      i = m;
    }
    v[i] = x;
  }

  /** Kept values, best first (ascending for sign 1, descending for sign −1). */
  sorted(): Float64Array {
    const out = this.v.slice(0, this.size).sort();
    for (let i = 0; i < out.length; i++) out[i] = this.sign * out[i]!;
    return out;
  }
}
