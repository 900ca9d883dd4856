/**
 * TIFF import with geotiff.js (`fromArrayBuffer`): one 2-D image of 1-4 samples per pixel, 8/16/32
 * bit unsigned or signed integers or 16/32/64-bit floats, strips or tiles, chunky or planar, either
 * byte order, and every compression geotiff decodes (none, PackBits, LZW, Deflate, JPEG, LERC,
 * with the horizontal/floating-point predictors). 64-bit integer samples, which geotiff refuses,
 * are decoded here from geotiff's decompressed blocks into a `Float64Array` (see `tiff-int64.ts`).
 *
 * Samples are returned raw and interleaved, `[rows, cols, samples]`: no photometric
 * interpretation (MinIsWhite is not inverted, palette indices are not expanded), which is what
 * label images and microscopy intensities need.
 *
 * A file with more than one main-chain IFD that is not a reduced-resolution subfile
 * (`NewSubfileType` bit 0) is a stack (z, time, channels): a `FormatError`, since the engine works
 * on one plane. Corrupted bytes are a `FormatError` naming the step that failed.
 *
 * @example
 * const { data, shape } = await readTiff(bytes, 'mask.tif');   // shape [rows, cols, 1]
 */
import { fromArrayBuffer, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { FormatError } from '../errors.ts';
import type { TypedArray } from '../types.ts';
import type { DecodedImage } from './read-image.ts';
import { readInt64Samples } from './tiff-int64.ts';

const SAMPLE_KIND: Record<number, string> = { 1: 'uint', 2: 'int', 3: 'float' };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decode TIFF `bytes`. `name` only labels error messages. */
export async function readTiff(
  bytes: Uint8Array,
  name = 'TIFF',
  opts: { signal?: AbortSignal } = {},
): Promise<DecodedImage> {
  const { signal } = opts;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let tiff: GeoTIFF;
  let pages: GeoTIFFImage[];
  try {
    tiff = await fromArrayBuffer(buffer, signal);
    const count = await tiff.getImageCount();
    pages = [];
    for (let i = 0; i < count; i++) pages.push(await tiff.getImage(i));
  } catch (err) {
    signal?.throwIfAborted();
    throw new FormatError(`${name}: cannot parse the TIFF header or image directories (${describe(err)})`);
  }
  const main = pages.filter((p) => ((p.fileDirectory.NewSubfileType ?? 0) & 1) === 0);
  if (main.length > 1) {
    throw new FormatError(
      `${name}: multi-page TIFF (${main.length} pages) is not supported; save one 2-D plane per file ` +
        '(pages are usually z-slices, time points or channels)',
    );
  }
  const image = main[0] ?? pages[0];
  if (image === undefined) throw new FormatError(`${name}: TIFF has no image directory`);

  const rows = image.getHeight();
  const cols = image.getWidth();
  const samples = image.getSamplesPerPixel();
  if (!(rows > 0 && cols > 0)) throw new FormatError(`${name}: TIFF image has an empty size ${rows}×${cols}`);
  if (!(samples >= 1 && samples <= 4)) {
    throw new FormatError(`${name}: ${samples} samples per pixel are not supported (1 to 4)`);
  }
  // TIFF 6.0: BitsPerSample defaults to 1 (bilevel files written without the tag); geotiff needs it.
  image.fileDirectory.BitsPerSample ??= new Uint16Array(samples).fill(1);
  const bitsList: number[] = Array.from(image.fileDirectory.BitsPerSample);
  const bits = bitsList[0]!;
  if (bitsList.some((b) => b !== bits)) {
    throw new FormatError(
      `${name}: samples of different bit depths [${bitsList.join(', ')}] are not supported`,
    );
  }
  const format = image.getSampleFormat();
  const kind = SAMPLE_KIND[format];
  if (kind === undefined) throw new FormatError(`${name}: TIFF SampleFormat ${format} is not supported`);
  const sampleType = `${kind}${bits}`;

  let data: TypedArray;
  try {
    if (kind !== 'float' && bits === 64) {
      data = await readInt64Samples(image, buffer, kind === 'int', signal);
    } else {
      data = (await image.readRasters({ interleave: true, signal })) as unknown as TypedArray;
    }
  } catch (err) {
    signal?.throwIfAborted();
    if (err instanceof FormatError) throw new FormatError(`${name}: ${err.message}`);
    throw new FormatError(`${name}: cannot decode the ${sampleType} TIFF pixel data (${describe(err)})`);
  }
  if (data.length !== rows * cols * samples) {
    throw new FormatError(`${name}: decoded ${data.length} samples, expected ${rows}×${cols}×${samples}`);
  }
  return { data, shape: [rows, cols, samples], sampleType };
}
