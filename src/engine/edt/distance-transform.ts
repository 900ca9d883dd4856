/**
 * Exact Euclidean distance transform (EDT) of a 2-D raster with its feature transform, after
 * Felzenszwalb & Huttenlocher (2012): an exact 1-D pass along columns (nearest seed row per
 * column, two linear scans done row by row so memory is read contiguously), then the lower
 * envelope of parabolas along every row. O(rows · cols), float32 distances.
 *
 * Row/column convention: `data[row * cols + col]`; the feature of a pixel is the flat index
 * `row * cols + col` of a nearest seed (ties broken by the envelope, any nearest seed is exact).
 *
 * Example:
 * ```ts
 * const seeds = new Uint8Array(5 * 5); seeds[12] = 1; // centre pixel
 * const { distance, feature } = distanceToSeeds({ data: seeds, shape: [5, 5] }, { feature: true });
 * // distance[0] === Math.fround(Math.SQRT2 * 2), feature[0] === 12
 * ```
 */
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';
import { EnvelopeScratch, envelopeRow } from './envelope.ts';

export interface DistanceTransform {
  /** Euclidean distance to the nearest seed; `+Infinity` when the raster has no seed. */
  distance: Float32Array;
  /** Flat index of a nearest seed, `−1` when there is none. Present when requested. */
  feature?: Int32Array;
  shape: [number, number];
}

export interface DistanceOptions {
  /** Also return the feature transform (index of the nearest seed). Default false. */
  feature?: boolean;
}

/** Which raster values count as seeds. */
type SeedRule = 'nonzero' | 'zero';

function transform(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  rule: SeedRule,
  withFeature: boolean,
): DistanceTransform {
  const n = rows * cols;
  const distance = new Float32Array(n);
  const feature = withFeature ? new Int32Array(n) : undefined;
  const shape: [number, number] = [rows, cols];
  if (n === 0) return feature ? { distance, feature, shape } : { distance, shape };
  const wantZero = rule === 'zero';
  // Column pass, downward scan: the last seed row at or above each pixel. It is stored in the
  // feature array when one is wanted (each row is copied out before being overwritten).
  const above = feature ?? new Int32Array(n);
  const last = new Int32Array(cols).fill(-1);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if ((data[i] === 0) === wantZero) last[c] = r;
      above[i] = last[c]!;
    }
  }
  // Upward scan fused with the row pass: the first seed row at or below each pixel is tracked
  // in `last`, the nearer of the two goes to `nearestRow`, and the row is transformed at once.
  last.fill(-1);
  const nearestRow = new Int32Array(cols);
  const scratch = new EnvelopeScratch(cols);
  for (let r = rows - 1; r >= 0; r--) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const up = above[base + c]!;
      if (up === r) {
        last[c] = r;
        nearestRow[c] = r;
        continue;
      }
      const down = last[c]!;
      nearestRow[c] = down >= 0 && (up < 0 || down - r < r - up) ? down : up;
    }
    envelopeRow(nearestRow, r, cols, distance, feature, base, scratch);
  }
  return feature ? { distance, feature, shape } : { distance, shape };
}

/**
 * Distance from every pixel to the nearest seed (a nonzero value of `seeds`); seeds are at 0.
 * With no seed at all every distance is `+Infinity` (never NaN) and every feature `−1`.
 */
export function distanceToSeeds(seeds: Raster, options: DistanceOptions = {}): DistanceTransform {
  const [rows, cols] = checkRaster(seeds, 'distanceToSeeds');
  return transform(seeds.data, rows, cols, 'nonzero', options.feature ?? false);
}

/**
 * Distance from every pixel to the nearest pixel outside `mask` (a zero value), i.e. the
 * classic EDT of a binary mask as `scipy.ndimage.distance_transform_edt` computes it; pixels
 * outside the mask are at 0. Pixels beyond the raster are not counted as outside: a mask that
 * covers the whole raster gives `+Infinity`.
 */
export function distanceToComplement(mask: Raster, options: DistanceOptions = {}): DistanceTransform {
  const [rows, cols] = checkRaster(mask, 'distanceToComplement');
  return transform(mask.data, rows, cols, 'zero', options.feature ?? false);
}
