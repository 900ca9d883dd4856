/**
 * Annotation codes (ALGORITHM.md §2): one `Uint8` per pixel, stored as-is in OME-Zarr
 * `labels/annotations`. `0` unknown, `1` background (S0), `2` cell (S1), `3` drawn boundary.
 */
import { DtypeError, ValueError } from '../errors.ts';
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';

export const UNKNOWN = 0;
export const BACKGROUND = 1;
export const CELL = 2;
export const BOUNDARY = 3;
export const MAX_CODE = BOUNDARY;

/** Colours used for the codes in OME-Zarr `image-label` metadata and in the viewer. */
export const CODE_COLORS: ReadonlyArray<{ labelValue: number; rgba: [number, number, number, number] }> = [
  { labelValue: BACKGROUND, rgba: [66, 135, 245, 160] },
  { labelValue: CELL, rgba: [80, 220, 100, 160] },
  { labelValue: BOUNDARY, rgba: [240, 60, 60, 255] },
];

/** Throws unless `codes` is a Uint8 raster of values 0-3; the message names the first bad pixel. */
export function checkCodes(codes: Raster, what: string): Raster<Uint8Array> {
  const [, cols] = checkRaster(codes, what);
  if (!(codes.data instanceof Uint8Array)) {
    throw new DtypeError(
      `${what}: annotation codes must be a Uint8Array, got ${codes.data.constructor.name}`,
    );
  }
  const data = codes.data;
  // four codes at a time: all of them are 0-3 when no byte has a bit above the lowest two
  const aligned = data.byteOffset % 4 === 0 ? data.length >> 2 : 0;
  const words = new Uint32Array(data.buffer, data.byteOffset, aligned);
  let clean = 0;
  while (clean < aligned && (words[clean]! & 0xfcfcfcfc) === 0) clean++;
  for (let i = clean * 4; i < data.length; i++) {
    if (data[i]! > MAX_CODE) {
      throw new ValueError(
        `${what}: annotation code ${data[i]} at (row ${Math.floor(i / cols)}, col ${i % cols}) is not one of 0-3`,
      );
    }
  }
  return codes as Raster<Uint8Array>;
}

/**
 * Converts a full instance label image (0 = background, k > 0 = object k) to codes, so that full
 * and partial annotations train through one code path: background → 1, object → 2, and object
 * pixels 4-adjacent to a *different* object → 3 (both sides of a contact). The image border is
 * not a boundary (Omnipose's convention).
 */
export function labelsToCodes(labels: Raster): Raster<Uint8Array> {
  const [rows, cols] = checkRaster(labels, 'labelsToCodes');
  const l = labels.data;
  if (l instanceof Float32Array || l instanceof Float64Array) {
    throw new DtypeError(`labelsToCodes: labels must be an integer array, got ${l.constructor.name}`);
  }
  const codes = new Uint8Array(rows * cols);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const v = l[i]!;
      if (v < 0) throw new ValueError(`labelsToCodes: negative label ${v} at (row ${r}, col ${c})`);
      if (v === 0) {
        codes[i] = BACKGROUND;
        continue;
      }
      const touchesOther =
        (r > 0 && l[i - cols] !== 0 && l[i - cols] !== v) ||
        (r < rows - 1 && l[i + cols] !== 0 && l[i + cols] !== v) ||
        (c > 0 && l[i - 1] !== 0 && l[i - 1] !== v) ||
        (c < cols - 1 && l[i + 1] !== 0 && l[i + 1] !== v);
      codes[i] = touchesOther ? BOUNDARY : CELL;
    }
  }
  return { data: codes, shape: [rows, cols] };
}
