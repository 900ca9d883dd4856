/**
 * Geometry of tiled prediction along one axis, after Omnipose 1.0.6
 * (`cellpose_omni.transforms.pad_image_ND`, `make_tiles_ND`, `_taper_mask_ND`):
 *
 * - Padding: reflect-pad to a multiple of 16, split evenly, plus a margin of 8 on each side
 *   (`extra * div // 2`); here the margin grows in steps of 8 to cover `halo`, and an image
 *   shorter than a tile is padded up to one tile (Omnipose shrinks the tile instead; that is
 *   `shrinkToImage`).
 * - Tiles: `n = 1` if the padded length fits one tile, else `ceil((1 + 2·overlap) · L / tile)`,
 *   starts `np.linspace(0, L − tile, n).astype(int)`; more tiles are added only when `halo`
 *   needs them so every pixel stays covered by a non-discarded part of some tile.
 * - Taper: `1 / (1 + exp((|x − c| − (bs/2 − 20)) / 7.5))` on `bs = max(tileH, tileW)` samples
 *   with `c = (bs − 1)/2`, centre-cropped to the tile length; the 2-D weight is the product.
 *
 * Example: a 300-pixel axis pads to 320 (10 | 300 | 10), covered by two 224 tiles at 0 and 96.
 */
import { ValueError } from '../errors.ts';

export interface AxisLayoutOptions {
  tile: number;
  overlap: number;
  halo: number;
  shrinkToImage: boolean;
}

/** Tiles along one axis of the reflect-padded image. */
export interface AxisLayout {
  /** pixels of padding before the image */
  padBefore: number;
  /** length of the padded image, a multiple of 16 */
  padded: number;
  /** length of every tile along this axis */
  tile: number;
  /** tile start positions in padded coordinates */
  starts: number[];
  /** padded coordinate → image coordinate (numpy `mode='reflect'`, repeated if needed) */
  source: Int32Array;
}

/** numpy `np.pad(mode='reflect')` index map, folded as often as needed for pads ≥ the length. */
export function reflectIndex(i: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const m = ((i % period) + period) % period;
  return m < length ? m : period - m;
}

/** numpy `np.linspace(0, stop, n).astype(int)` for integer `stop >= 0`. */
function linspaceStarts(stop: number, n: number): number[] {
  if (n === 1) return [0];
  const step = stop / (n - 1);
  const starts: number[] = [];
  for (let i = 0; i < n - 1; i++) starts.push(Math.trunc(i * step));
  starts.push(stop);
  return starts;
}

function maxGap(starts: number[]): number {
  let gap = 0;
  for (let i = 1; i < starts.length; i++) gap = Math.max(gap, starts[i]! - starts[i - 1]!);
  return gap;
}

export function axisLayout(length: number, options: AxisLayoutOptions): AxisLayout {
  const { tile, overlap, halo } = options;
  const margin = 8 * Math.max(1, Math.ceil(halo / 8));
  const lpad = 16 * Math.ceil(length / 16) - length;
  let padBefore = margin + Math.floor(lpad / 2);
  let padded = length + lpad + 2 * margin;
  let tileLength = tile;
  if (padded < tile) {
    if (options.shrinkToImage) tileLength = padded;
    else {
      padBefore += Math.floor((tile - padded) / 2);
      padded = tile;
    }
  }
  let n = padded <= tileLength ? 1 : Math.ceil(((1 + 2 * overlap) * padded) / tileLength);
  let starts = linspaceStarts(padded - tileLength, n);
  // with a discarded halo, neighbouring tiles must overlap by at least 2·halo
  while (maxGap(starts) > tileLength - 2 * halo) starts = linspaceStarts(padded - tileLength, ++n);
  const source = new Int32Array(padded);
  for (let i = 0; i < padded; i++) source[i] = reflectIndex(i - padBefore, length);
  return { padBefore, padded, tile: tileLength, starts, source };
}

/**
 * Omnipose's sigmoid taper for a tile of `length` samples cut from the centre of a `bs`-long
 * profile, with the first and last `halo` samples set to 0 (discarded).
 */
export function taperWeights(length: number, bs: number, halo = 0): Float64Array {
  if (length > bs) throw new ValueError(`taperWeights: length ${length} exceeds the profile size ${bs}`);
  const centre = (bs - 1) / 2;
  const offset = Math.floor(bs / 2) - Math.floor(length / 2);
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    if (i < halo || i >= length - halo) continue;
    const x = Math.abs(offset + i - centre);
    w[i] = 1 / (1 + Math.exp((x - (bs / 2 - 20)) / 7.5));
  }
  return w;
}
