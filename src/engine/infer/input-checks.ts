/**
 * Validation shared by the inference entry points: shapes of interleaved multi-channel rasters
 * and finiteness of their values. Errors are thrown at the API surface and name the shape, the
 * number of bad values and where the first one is (row, column, channel), so a user can find a
 * corrupted tile in a slide.
 */
import { ShapeError, ValueError } from '../errors.ts';
import type { MultiChannelRaster, Raster, TypedArray } from '../types.ts';

/** A 2-D raster is a one-channel image; a 3-D shape is `[rows, cols, channels]`. */
export function asMultiChannel<T extends TypedArray>(
  image: Raster<T> | MultiChannelRaster<T>,
): MultiChannelRaster<T> {
  if (image.shape.length === 2) return { data: image.data, shape: [image.shape[0], image.shape[1], 1] };
  return image as MultiChannelRaster<T>;
}

/** Returns `[rows, cols, channels]` after checking the shape against the data length. */
export function checkMultiChannel(image: MultiChannelRaster, what: string): [number, number, number] {
  const shape = image.shape;
  if (shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new ShapeError(
      `${what}: shape [${shape.join(', ')}] is not [rows, cols, channels] of non-negative integers`,
    );
  }
  const [rows, cols, channels] = shape;
  if (channels < 1) throw new ShapeError(`${what}: shape [${shape.join(', ')}] has no channel`);
  if (image.data.length !== rows * cols * channels) {
    throw new ShapeError(
      `${what}: shape [${shape.join(', ')}] needs ${rows * cols * channels} values but the data has ${image.data.length}`,
    );
  }
  return [rows, cols, channels];
}

/**
 * Throws a ValueError when the image holds NaN or ±Infinity: numpy's percentiles would turn
 * every normalised value into NaN and the network would spread it over the whole tile, so it is
 * refused up front. Integer arrays are finite by construction and are not scanned.
 */
export function assertFinite(image: MultiChannelRaster, what: string): void {
  const data = image.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    // v - v is NaN exactly for NaN and ±Infinity
    const v = data[i]!;
    if (v - v !== 0) {
      if (bad === 0) first = i;
      bad++;
    }
  }
  if (bad === 0) return;
  const [, cols, channels] = image.shape;
  const pixel = Math.floor(first / channels);
  throw new ValueError(
    `${what}: ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±Infinity) in an image of shape ` +
      `[${image.shape.join(', ')}]; the first (${data[first]}) is at row ${Math.floor(pixel / cols)}, ` +
      `col ${pixel % cols}, channel ${first % channels}`,
  );
}

/** Throws a ValueError unless `value` is an integer in [min, max]. */
export function checkInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}
