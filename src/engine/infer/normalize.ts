/**
 * Input normalisation of Omnipose 1.0 (ALGORITHM.md §4), split into "measure once" and "apply
 * anywhere" so that tiles of a slide are all normalised with the same numbers (per-tile
 * percentiles make seams).
 *
 * Omnipose (`cellpose_omni.transforms.normalize_img(img, omni=True)`, v1.0.6) does, per channel:
 * if `p99 > p1 + 1e-3` the channel becomes `omnipose.utils.normalize99`, i.e.
 * `clip((x − p0.01) / (p99.99 − p0.01), 0, 1)`; otherwise the channel is **left as it is** (raw
 * values, only cast to float32), not zeroed. `skipMode: 'keep'` (default) reproduces that;
 * `'zero'` zeros such a channel instead, which is safer for a nearly constant channel with a few
 * bright outliers (raw values far outside [0, 1] reach the network under `'keep'`). The two agree
 * on the common case, an all-zero channel. Percentiles follow numpy's default (linear) method.
 *
 * Channels: Omnipose feeds two channels `[segment, optional second]` and a missing second channel
 * is zeros (`cellpose_omni.transforms.reshape`). Here channel indices are 0-based indices into the
 * image (Omnipose's 1-based `channels=[2, 3]` is `[1, 2]` here; its grayscale mean `[0, 0]` is
 * not offered: pick a channel).
 *
 * @example
 * const stats = computeNormalization(lowResLevel);                  // once per image
 * const input = toNetworkInput(tile, { channels: [0, 1] }, stats);  // any tile, same numbers
 */
import { ShapeError, ValueError } from '../errors.ts';
import type { MultiChannelRaster, Raster, TypedArray } from '../types.ts';
import { asMultiChannel, assertFinite, checkMultiChannel } from './input-checks.ts';
import { percentiles } from './percentile.ts';

export type SkipMode = 'keep' | 'zero';

export interface NormalizationOptions {
  /** lower percentile, sent to 0. Default 0.01 (Omnipose `normalize99`). */
  lower?: number;
  /** upper percentile, sent to 1. Default 99.99. */
  upper?: number;
  /** what to do with a channel whose p99 ≤ p1 + 1e-3. Default `'keep'` (Omnipose). */
  skipMode?: SkipMode;
  /** levels given: use the smallest with at least this many pixels. Default 512² = 262,144. */
  minPixels?: number;
}

/** Per-channel numbers of {@link computeNormalization}; plain arrays, so they serialise to JSON. */
export interface NormalizationStats {
  /** value sent to 0, per channel (p`lower`) */
  low: number[];
  /** value sent to 1, per channel (p`upper`) */
  high: number[];
  /** channels that are not normalised (p99 ≤ p1 + 1e-3) */
  skip: boolean[];
  skipMode: SkipMode;
  /** index of the pyramid level the percentiles came from (0 when one image was given) */
  level: number;
}

/** Omnipose `normalize_img`: a channel is normalised only when `p99 > p1 + SKIP_TOLERANCE`. */
export const SKIP_TOLERANCE = 1e-3;

type Image = Raster | MultiChannelRaster;

/**
 * The level to take statistics from: the smallest (by pixel count) with at least `minPixels`
 * pixels, else the largest. A low-resolution level is cheap to read whole and, being an average
 * of full-resolution pixels, has nearly the same percentiles unless the structures are tiny.
 */
export function statisticsLevel(pixelCounts: readonly number[], minPixels = 512 * 512): number {
  if (pixelCounts.length === 0) throw new ValueError('statisticsLevel: no level given');
  let best = -1;
  let largest = 0;
  for (let i = 0; i < pixelCounts.length; i++) {
    const n = pixelCounts[i]!;
    if (n > pixelCounts[largest]!) largest = i;
    if (n >= minPixels && (best < 0 || n < pixelCounts[best]!)) best = i;
  }
  return best >= 0 ? best : largest;
}

/**
 * Per-channel normalisation numbers from one image, or from a pyramid (`levels`, any order; the
 * level is chosen by {@link statisticsLevel}). Throws a ValueError on NaN/±Infinity or an empty
 * image.
 */
export function computeNormalization(
  source: Image | readonly Image[],
  options: NormalizationOptions = {},
): NormalizationStats {
  let level = 0;
  let image: Image;
  if (Array.isArray(source)) {
    const levels = source as readonly Image[];
    level = statisticsLevel(
      levels.map((l) => l.shape[0] * l.shape[1]),
      options.minPixels,
    );
    image = levels[level]!;
  } else image = source as Image;
  const raster = asMultiChannel(image);
  const [rows, cols, channels] = checkMultiChannel(raster, 'computeNormalization');
  if (rows * cols === 0)
    throw new ValueError(`computeNormalization: the image of shape [${rows}, ${cols}] is empty`);
  assertFinite(raster, 'computeNormalization');
  const lower = options.lower ?? 0.01;
  const upper = options.upper ?? 99.99;
  if (!(lower >= 0 && lower < upper && upper <= 100)) {
    throw new ValueError(`computeNormalization: need 0 <= lower < upper <= 100, got ${lower} and ${upper}`);
  }
  const stats: NormalizationStats = {
    low: [],
    high: [],
    skip: [],
    skipMode: options.skipMode ?? 'keep',
    level,
  };
  for (let c = 0; c < channels; c++) {
    const values = { data: raster.data, offset: c, stride: channels, count: rows * cols };
    const [lo, p1, p99, hi] = percentiles(values, [lower, 1, 99, upper]) as [number, number, number, number];
    stats.low.push(lo);
    stats.high.push(hi);
    stats.skip.push(!(p99 > p1 + SKIP_TOLERANCE));
  }
  return stats;
}

function checkStats(stats: NormalizationStats, channels: number, what: string): void {
  if (stats.low.length !== channels || stats.high.length !== channels || stats.skip.length !== channels) {
    throw new ShapeError(
      `${what}: the statistics are for ${stats.low.length} channel(s) but the image has ${channels}`,
    );
  }
}

/** Writes channel `c` of `src` into channel `k` of `out` (`outChannels` interleaved), normalised. */
function normalizeChannel(
  src: TypedArray,
  channels: number,
  c: number,
  out: Float32Array,
  outChannels: number,
  k: number,
  stats: NormalizationStats,
): void {
  const pixels = out.length / outChannels;
  if (stats.skip[c]) {
    if (stats.skipMode === 'zero') return; // out is zero-initialised
    for (let p = 0; p < pixels; p++) out[p * outChannels + k] = src[p * channels + c]!;
    return;
  }
  const low = stats.low[c]!;
  const range = stats.high[c]! - low;
  for (let p = 0; p < pixels; p++) {
    const v = (src[p * channels + c]! - low) / range;
    out[p * outChannels + k] = Math.min(Math.max(v, 0), 1);
  }
}

/**
 * Normalise every channel of a tile (or a whole image) with precomputed statistics. Returns a new
 * float32 raster of the same shape (a 2-D raster comes back as `[rows, cols, 1]`).
 */
export function applyNormalization(tile: Image, stats: NormalizationStats): MultiChannelRaster<Float32Array> {
  const raster = asMultiChannel(tile);
  const [rows, cols, channels] = checkMultiChannel(raster, 'applyNormalization');
  checkStats(stats, channels, 'applyNormalization');
  assertFinite(raster, 'applyNormalization');
  const out = new Float32Array(rows * cols * channels);
  for (let c = 0; c < channels; c++) normalizeChannel(raster.data, channels, c, out, channels, c, stats);
  return { data: out, shape: [rows, cols, channels] };
}

export interface NetworkInputOptions {
  /** `[channel to segment, optional second channel]`, 0-based; a missing second is zeros */
  channels: readonly [number, number?];
}

/**
 * The network's two-channel input for an image or tile: channels `[c0, c1]` picked, normalised
 * with `stats` (computed on the same image's channels), interleaved as NHWC with N = 1, C = 2.
 * A wrong channel index or statistics for another channel count throw a ShapeError.
 */
export function toNetworkInput(
  image: Image,
  options: NetworkInputOptions,
  stats: NormalizationStats,
): MultiChannelRaster<Float32Array> {
  const raster = asMultiChannel(image);
  const [rows, cols, channels] = checkMultiChannel(raster, 'toNetworkInput');
  checkStats(stats, channels, 'toNetworkInput');
  const [c0, c1] = options.channels;
  for (const c of c1 === undefined ? [c0] : [c0, c1]) {
    if (!Number.isInteger(c) || c < 0 || c >= channels) {
      throw new ShapeError(
        `toNetworkInput: channel ${c} does not exist in an image of shape [${rows}, ${cols}, ${channels}]`,
      );
    }
  }
  assertFinite(raster, 'toNetworkInput');
  const out = new Float32Array(rows * cols * 2);
  normalizeChannel(raster.data, channels, c0, out, 2, 0, stats);
  if (c1 !== undefined) normalizeChannel(raster.data, channels, c1, out, 2, 1, stats);
  return { data: out, shape: [rows, cols, 2] };
}
