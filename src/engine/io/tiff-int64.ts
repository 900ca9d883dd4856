/**
 * 64-bit integer TIFF samples, which geotiff.js 2.1 refuses ("Unsupported data format/
 * bitsPerSample") but which Python writes for label images (`tifffile.imwrite(path, labels)`
 * with numpy's default `int64`). geotiff still parses the directories and decompresses each strip
 * or tile (`getDecoder(fileDirectory).decode`, predictor included); this module walks the blocks
 * and converts the samples to a `Float64Array`, exact for |value| ≤ 2^53 − 1 (anything larger is
 * a `FormatError`, as no label image has that many objects).
 */
import { type GeoTIFFImage, getDecoder } from 'geotiff';
import { FormatError } from '../errors.ts';

interface BlockDecoder {
  decode(fileDirectory: unknown, buffer: ArrayBuffer): Promise<ArrayBuffer>;
}

/** All samples of `image`, interleaved `[rows, cols, samples]`, as float64. */
export async function readInt64Samples(
  image: GeoTIFFImage,
  file: ArrayBuffer,
  signed: boolean,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const fd = image.fileDirectory;
  const rows = image.getHeight();
  const cols = image.getWidth();
  const samples = image.getSamplesPerPixel();
  const planar = image.planarConfiguration === 2;
  const tiled = image.isTiled;
  const blockW = image.getTileWidth();
  const blockH = image.getTileHeight();
  const offsets: number[] = Array.from(tiled ? fd.TileOffsets : fd.StripOffsets);
  const counts: number[] = Array.from(tiled ? fd.TileByteCounts : fd.StripByteCounts);
  const across = Math.ceil(cols / blockW);
  const down = Math.ceil(rows / blockH);
  const perPixel = planar ? 1 : samples;
  const expected = planar ? across * down * samples : across * down;
  if (offsets.length !== expected || counts.length !== expected) {
    throw new FormatError(`expected ${expected} strips/tiles, the file lists ${offsets.length}`);
  }
  const decoder = (await getDecoder(fd)) as BlockDecoder;
  const out = new Float64Array(rows * cols * samples);

  for (let b = 0; b < expected; b++) {
    signal?.throwIfAborted();
    const sample = planar ? Math.floor(b / (across * down)) : 0;
    const within = b % (across * down);
    const by = Math.floor(within / across);
    const bx = within % across;
    const start = offsets[b]!;
    const end = start + counts[b]!;
    if (end > file.byteLength) {
      throw new FormatError(
        `block ${b} ends at byte ${end}, past the end of the file (${file.byteLength} bytes)`,
      );
    }
    const decoded = new DataView(await decoder.decode(fd, file.slice(start, end)));
    const blockRows = Math.min(blockH, rows - by * blockH);
    const blockCols = Math.min(blockW, cols - bx * blockW);
    // Strips are as wide as the image; tiles are always stored full size.
    const rowStride = (tiled ? blockW : cols) * perPixel * 8;
    if (decoded.byteLength < (blockRows - 1) * rowStride + blockCols * perPixel * 8) {
      throw new FormatError(
        `block ${b} decodes to ${decoded.byteLength} bytes, too few for ${blockRows} rows`,
      );
    }
    for (let r = 0; r < blockRows; r++) {
      for (let c = 0; c < blockCols; c++) {
        for (let s = 0; s < perPixel; s++) {
          const at = r * rowStride + (c * perPixel + s) * 8;
          const v = signed
            ? decoded.getBigInt64(at, image.littleEndian)
            : decoded.getBigUint64(at, image.littleEndian);
          if (v > 9007199254740991n || v < -9007199254740991n) {
            throw new FormatError(
              `64-bit sample ${v} at row ${by * blockH + r} does not fit a float64 exactly`,
            );
          }
          const row = by * blockH + r;
          const col = bx * blockW + c;
          out[(row * cols + col) * samples + (planar ? sample : s)] = Number(v);
        }
      }
    }
  }
  return out;
}
