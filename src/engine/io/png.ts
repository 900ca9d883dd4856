/**
 * PNG import and export with fast-png.
 *
 * Reading returns interleaved samples as a `MultiChannelRaster` `[rows, cols, channels]`:
 * grey (1 channel), grey+alpha (2), RGB (3), RGBA (4); palette images are expanded to RGB, or
 * RGBA when they carry transparency. 16-bit images give a `Uint16Array`, everything else a
 * `Uint8Array`; grey images of 1, 2 or 4 bits are unpacked to one byte per sample holding the
 * raw value (0..2^depth − 1, not rescaled). CRCs are checked, so corrupted bytes are a
 * `FormatError` naming what failed instead of a silently wrong image.
 *
 * Writing stores a single-channel `Raster` of `Uint8Array` or `Uint16Array` as 8- or 16-bit
 * greyscale (label masks, annotation codes).
 *
 * @example
 * const img = readPng(bytes);                 // { data: Uint8Array, shape: [rows, cols, 4], sampleType: 'uint8' }
 * const png = writePng({ data: mask, shape: [rows, cols] });
 */
import { convertIndexedToRgb, type DecodedPng, decode, encode } from 'fast-png';
import { DtypeError, FormatError, ShapeError } from '../errors.ts';
import type { Raster } from '../types.ts';
import type { DecodedImage } from './read-image.ts';

/** Decode PNG `bytes`. `name` only labels error messages. */
export function readPng(bytes: Uint8Array, name = 'PNG'): DecodedImage {
  let png: DecodedPng;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (err) {
    throw new FormatError(`${name}: cannot decode PNG (${err instanceof Error ? err.message : String(err)})`);
  }
  const { width, height, depth, channels } = png;
  const pixels = width * height;
  if (pixels === 0) throw new FormatError(`${name}: PNG has an empty image (${height}×${width})`);

  if (png.palette) {
    let rgb: Uint8Array;
    try {
      rgb = convertIndexedToRgb(png);
    } catch (err) {
      throw new FormatError(
        `${name}: bad palette data (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const c = png.palette[0]?.length ?? 3;
    return { data: rgb, shape: [height, width, c], sampleType: 'uint8' };
  }
  if (depth === 16) {
    checkLength(png.data.length, pixels * channels, name);
    return { data: png.data as Uint16Array, shape: [height, width, channels], sampleType: 'uint16' };
  }
  if (depth === 8) {
    checkLength(png.data.length, pixels * channels, name);
    const data = png.data instanceof Uint8Array ? png.data : new Uint8Array(png.data);
    return { data, shape: [height, width, channels], sampleType: 'uint8' };
  }
  // 1, 2 or 4 bits per sample (greyscale only, by the PNG spec): rows are byte-aligned.
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  checkLength(png.data.length, rowBytes * height, name);
  const out = new Uint8Array(pixels * channels);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let r = 0; r < height; r++) {
    for (let i = 0; i < width * channels; i++) {
      const byte = png.data[r * rowBytes + Math.floor(i / perByte)]!;
      out[r * width * channels + i] = (byte >> (8 - depth * ((i % perByte) + 1))) & mask;
    }
  }
  return { data: out, shape: [height, width, channels], sampleType: `uint${depth}` };
}

function checkLength(got: number, expected: number, name: string): void {
  if (got !== expected) {
    throw new FormatError(
      `${name}: PNG pixel data has ${got} samples, expected ${expected} (truncated or corrupted)`,
    );
  }
}

/** Encode a single-channel `Uint8Array`/`Uint16Array` raster as 8/16-bit greyscale PNG. */
export function writePng(raster: Raster): Uint8Array {
  const { data, shape } = raster;
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) {
    throw new ShapeError(`writePng needs a non-empty [rows, cols] shape, got [${shape.join(', ')}]`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(
      `writePng: data has ${data.length} values, shape [${rows}, ${cols}] needs ${rows * cols}`,
    );
  }
  let depth: 8 | 16;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) depth = 8;
  else if (data instanceof Uint16Array) depth = 16;
  else
    throw new DtypeError(
      `writePng supports Uint8Array and Uint16Array rasters, got ${data.constructor.name}`,
    );
  return encode({ width: cols, height: rows, data, depth, channels: 1 });
}
