/**
 * Exact Euclidean distance transform (EDT) of a 2-D raster with its feature transform, after
 * Felzenszwalb & Huttenlocher (2012): an exact 1-D pass along columns (the nearest seed row per
 * column, `column-pass.ts`), then the lower envelope of parabolas along every row (`envelope.ts`),
 * whose candidates are first pruned without branches (`hull-filter.ts`); `region-transform.ts`
 * puts them together. O(rows · cols), float32 distances.
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
import type { SeedRule } from './column-pass.ts';
import { transformRegion } from './region-transform.ts';

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

function transform(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  rule: SeedRule,
  withFeature: boolean,
): DistanceTransform {
  const region = { rowStart: 0, rowEnd: rows, colStart: 0, colEnd: cols };
  const { distance, feature } = transformRegion(data, rows, cols, rule, region, withFeature);
  const shape: [number, number] = [rows, cols];
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
