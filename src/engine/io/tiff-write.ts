/**
 * A minimal TIFF encoder: one uncompressed, single-page, single-sample greyscale image
 * (baseline TIFF 6.0, "Bilevel and Grayscale Images", §4 and §8), little-endian, for label masks
 * and predictions to open in Fiji, napari, tifffile or back in {@link readTiff}.
 *
 * Layout: 8-byte header, then the pixel data as strips of about 64 KiB, then one IFD with the
 * tags in ascending order (ImageWidth, ImageLength, BitsPerSample, Compression = 1,
 * PhotometricInterpretation = 1 (BlackIsZero), StripOffsets, SamplesPerPixel = 1, RowsPerStrip,
 * StripByteCounts, XResolution, YResolution, PlanarConfiguration = 1, ResolutionUnit = 1 (none),
 * SampleFormat). Files stay below 4 GiB (classic TIFF offsets are 32-bit).
 *
 * @example
 * const bytes = writeTiff({ data: new Uint16Array(rows * cols), shape: [rows, cols] });
 */
import { DtypeError, ShapeError } from '../errors.ts';
import type { Raster } from '../types.ts';
import { HOST_IS_LITTLE_ENDIAN } from './chunk-encoding.ts';

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

/** Bits per sample and SampleFormat (1 unsigned, 3 float) of an accepted array, else `undefined`. */
function sampleFormatOf(data: Raster['data']): [number, number] | undefined {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return [8, 1];
  if (data instanceof Uint16Array) return [16, 1];
  if (data instanceof Uint32Array) return [32, 1];
  if (data instanceof Float32Array) return [32, 3];
  return undefined;
}

const STRIP_BYTES = 64 * 1024;

/** Encode a `Uint8`/`Uint16`/`Uint32`/`Float32` raster as an uncompressed greyscale TIFF. */
export function writeTiff(raster: Raster): Uint8Array {
  const { data, shape } = raster;
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) {
    throw new ShapeError(`writeTiff needs a non-empty [rows, cols] shape, got [${shape.join(', ')}]`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(
      `writeTiff: data has ${data.length} values, shape [${rows}, ${cols}] needs ${rows * cols}`,
    );
  }
  const format = sampleFormatOf(data);
  if (format === undefined) {
    throw new DtypeError(
      `writeTiff supports Uint8Array, Uint16Array, Uint32Array and Float32Array rasters, got ${data.constructor.name}`,
    );
  }
  const [bits, sampleFormat] = format;
  const bytesPerRow = cols * (bits / 8);
  const imageBytes = rows * bytesPerRow;
  if (imageBytes > 0xffff0000)
    throw new ShapeError(`writeTiff: [${rows}, ${cols}] is too large for a classic TIFF`);
  const rowsPerStrip = Math.max(1, Math.min(rows, Math.floor(STRIP_BYTES / bytesPerRow)));
  const strips = Math.ceil(rows / rowsPerStrip);

  // header | pixels | strip offsets | strip byte counts | 2 rationals | IFD
  const dataStart = 8;
  const offsetsAt = align(dataStart + imageBytes);
  const countsAt = offsetsAt + 4 * strips;
  const rationalAt = countsAt + 4 * strips;
  const ifdAt = rationalAt + 16;
  const tags: [number, number, number, number][] = [
    [256, LONG, 1, cols],
    [257, LONG, 1, rows],
    [258, SHORT, 1, bits],
    [259, SHORT, 1, 1],
    [262, SHORT, 1, 1],
    [273, LONG, strips, strips === 1 ? dataStart : offsetsAt],
    [277, SHORT, 1, 1],
    [278, LONG, 1, rowsPerStrip],
    [279, LONG, strips, strips === 1 ? imageBytes : countsAt],
    [282, RATIONAL, 1, rationalAt],
    [283, RATIONAL, 1, rationalAt + 8],
    [284, SHORT, 1, 1],
    [296, SHORT, 1, 1],
    [339, SHORT, 1, sampleFormat],
  ];
  const out = new Uint8Array(ifdAt + 2 + tags.length * 12 + 4);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]); // "II", 42: little-endian TIFF
  view.setUint32(4, ifdAt, true);

  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || bits === 8) {
    out.set(src, dataStart);
  } else {
    const n = bits / 8;
    for (let i = 0; i < data.length; i++) {
      for (let b = 0; b < n; b++) out[dataStart + i * n + b] = src[i * n + (n - 1 - b)]!;
    }
  }
  for (let s = 0; s < strips; s++) {
    const stripRows = Math.min(rowsPerStrip, rows - s * rowsPerStrip);
    view.setUint32(offsetsAt + 4 * s, dataStart + s * rowsPerStrip * bytesPerRow, true);
    view.setUint32(countsAt + 4 * s, stripRows * bytesPerRow, true);
  }
  for (const at of [rationalAt, rationalAt + 8]) {
    view.setUint32(at, 1, true); // 1/1 pixel per unit: no physical size is claimed
    view.setUint32(at + 4, 1, true);
  }
  view.setUint16(ifdAt, tags.length, true);
  tags.forEach(([tag, type, count, value], i) => {
    const at = ifdAt + 2 + 12 * i;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    // A single SHORT sits left-justified in the 4-byte value field.
    if (type === SHORT && count === 1) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  view.setUint32(ifdAt + 2 + 12 * tags.length, 0, true); // no next IFD
  return out;
}

function align(offset: number): number {
  return offset + (offset % 2);
}
