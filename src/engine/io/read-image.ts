/**
 * Image import by content, not by file name: the first bytes decide between PNG
 * (`89 50 4E 47 0D 0A 1A 0A`) and TIFF (`II*\0`, `MM\0*`, or BigTIFF `II+\0` / `MM\0+`). The
 * name is only used in error messages, so a mask saved as `.tif` that is really a PNG still
 * opens.
 *
 * @example
 * const { data, shape, sampleType } = await readImage(await file.bytes(), file.name);
 * // shape [rows, cols, channels]; data Uint8Array | Uint16Array | … ; sampleType 'uint16'
 */
import { FormatError } from '../errors.ts';
import type { MultiChannelRaster } from '../types.ts';
import { readPng } from './png.ts';
import { readTiff } from './tiff-read.ts';

/** A decoded image with the sample type it was stored with. */
export interface DecodedImage extends MultiChannelRaster {
  /**
   * type of the stored samples (`uint8`, `uint16`, `uint1`, `int64`, `float16`, …); `data` may
   * be wider (sub-byte → Uint8Array, float16 → Float32Array, 64-bit integers → Float64Array)
   */
  sampleType: string;
}

export type ImageFormat = 'png' | 'tiff';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format of `bytes` by its magic number, or `undefined` when neither PNG nor TIFF. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 4) {
    const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if (a === 0x49 && b === 0x49 && (c === 42 || c === 43) && d === 0) return 'tiff';
    if (a === 0x4d && b === 0x4d && c === 0 && (d === 42 || d === 43)) return 'tiff';
  }
  return undefined;
}

/** Decode a PNG or TIFF image; `nameHint` (a file name) labels error messages. */
export async function readImage(
  bytes: Uint8Array,
  nameHint = 'image',
  opts: { signal?: AbortSignal } = {},
): Promise<DecodedImage> {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return readPng(bytes, nameHint);
  if (format === 'tiff') return readTiff(bytes, nameHint, opts);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`${nameHint}: not a PNG or TIFF file (first bytes: ${head || 'none'})`);
}
