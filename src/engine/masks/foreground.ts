/**
 * Foreground of the predicted distance field by hysteresis, as Omnipose 1.0.6 `compute_masks`
 * does (`skimage.filters.apply_hysteresis_threshold(dist, mask_threshold − 1, mask_threshold)`):
 * a pixel is foreground when its distance is above `low` and its 4-connected component of
 * `{distance > low}` (scipy's default cross structure) holds a pixel above `high`. Thin parts of a
 * cell whose distance dips below the threshold stay attached to the cell this way.
 *
 * @example
 * ```ts
 * const fg = hysteresisForeground({ data: distance, shape: [rows, cols] }, 0);
 * // fg.mask[i] === 1 where the pixel belongs to a cell, fg.pixels lists those indices in raster order
 * ```
 */
import { ValueError } from '../errors.ts';
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';

export interface Foreground {
  /** 1 on foreground pixels */
  mask: Uint8Array;
  /** flat indices of the foreground pixels in raster order (Omnipose's `np.nonzero(iscell)`) */
  pixels: Int32Array;
  shape: [number, number];
}

/**
 * Hysteresis foreground with `low = threshold − 1`, `high = threshold` (Omnipose's
 * `mask_threshold`, default 0). `low` is clipped to `high` as scikit-image does.
 */
export function hysteresisForeground(distance: Raster, threshold = 0): Foreground {
  const [rows, cols] = checkRaster(distance, 'hysteresisForeground');
  if (!Number.isFinite(threshold)) throw new ValueError(`mask threshold must be finite, got ${threshold}`);
  const d = distance.data;
  const n = rows * cols;
  const high = threshold;
  const low = Math.min(threshold - 1, high);
  // 0 = below low, 1 = above low (candidate), 2 = accepted
  const state = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (v > high) {
      state[i] = 2;
      stack[top++] = i;
    } else if (v > low) state[i] = 1;
  }
  // flood the candidates reachable from an above-high pixel through 4-neighbours
  while (top > 0) {
    const i = stack[--top]!;
    const r = (i / cols) | 0;
    const c = i - r * cols;
    if (r > 0 && state[i - cols] === 1) {
      state[i - cols] = 2;
      stack[top++] = i - cols;
    }
    if (r < rows - 1 && state[i + cols] === 1) {
      state[i + cols] = 2;
      stack[top++] = i + cols;
    }
    if (c > 0 && state[i - 1] === 1) {
      state[i - 1] = 2;
      stack[top++] = i - 1;
    }
    if (c < cols - 1 && state[i + 1] === 1) {
      state[i + 1] = 2;
      stack[top++] = i + 1;
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    const on = state[i] === 2 ? 1 : 0;
    state[i] = on;
    count += on;
  }
  const pixels = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (state[i] === 1) pixels[k++] = i;
  return { mask: state, pixels, shape: [rows, cols] };
}
