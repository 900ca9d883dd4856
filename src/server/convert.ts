/**
 * Converting a plain PNG or TIFF image into an OME-Zarr image with a small pyramid, so that the
 * server (and Viv) can serve it like any other store.
 *
 * - Channels: an alpha channel that is constant is dropped; RGB with R = G = B everywhere (the
 *   DSB2018 fluorescence PNGs) becomes one channel. One channel gives axes `y, x`; several give
 *   `c, y, x` (one chunk per channel).
 * - Levels: level 0 is the image; each next level is the 2×2 mean (rounded for integer types,
 *   partial blocks at odd edges averaged over the pixels they have), until both sides fit in one
 *   chunk. Scales are 1, 2, 4, … .
 * - Format: NGFF 0.5 on Zarr v3 (`zarr.json`, `bytes` + `gzip` codecs) or NGFF 0.4 on Zarr v2
 *   (`.zattrs`, `.zarray`, numcodecs `zlib`), `/`-separated chunk keys, `omero` channel windows
 *   from the data's range. Chunks are compressed with the engine's label chunk encoder.
 *
 * {@link convertImageFile} writes into a temporary directory and renames it into place, so a
 * half-converted store is never served; a store that already exists is reused.
 *
 * @example
 * const summary = await imageToOmeZarr(decoded, new MemoryStore(), { ngff: '0.5', name: 'cells' });
 * summary.levels; // [[512, 640], [256, 320], [128, 160]]
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DtypeError, ShapeError, ValueError } from '../engine/errors.ts';
import { compressBytes } from '../engine/io/chunk-encoding.ts';
import type { NgffVersion } from '../engine/io/ngff-metadata.ts';
import { FileSystemStore } from '../engine/io/node.ts';
import { type DecodedImage, readImage } from '../engine/io/read-image.ts';
import { encodeJson, type WritableStore } from '../engine/io/store.ts';
import type { TypedArray } from '../engine/types.ts';

/** Zarr dtypes an image may be stored with: zarrita name → Zarr v2 dtype string. */
const DTYPES: Record<string, { v2: string; make: (n: number) => TypedArray; integer: boolean }> = {
  uint8: { v2: '|u1', make: (n) => new Uint8Array(n), integer: true },
  uint16: { v2: '<u2', make: (n) => new Uint16Array(n), integer: true },
  uint32: { v2: '<u4', make: (n) => new Uint32Array(n), integer: true },
  int8: { v2: '|i1', make: (n) => new Int8Array(n), integer: true },
  int16: { v2: '<i2', make: (n) => new Int16Array(n), integer: true },
  int32: { v2: '<i4', make: (n) => new Int32Array(n), integer: true },
  float32: { v2: '<f4', make: (n) => new Float32Array(n), integer: false },
  float64: { v2: '<f8', make: (n) => new Float64Array(n), integer: false },
};

export interface ConvertOptions {
  ngff?: NgffVersion;
  /** chunk side in pixels (default 256) */
  chunk?: number;
  /** `multiscales[0].name` */
  name?: string;
  signal?: AbortSignal;
}

export interface ConvertSummary {
  ngff: NgffVersion;
  axes: string[];
  dtype: string;
  /** array shape of each level, largest first */
  levels: number[][];
  channels: number;
}

/** The zarrita dtype to store a decoded image's samples with. */
function storedDtype(image: DecodedImage): string {
  const t = image.sampleType;
  if (/^uint[1-7]$/.test(t)) return 'uint8';
  if (t === 'float16') return 'float32';
  if (DTYPES[t]) return t;
  throw new DtypeError(
    `cannot convert ${t} samples to OME-Zarr (supported: ${Object.keys(DTYPES).join(', ')})`,
  );
}

/** Planes of the channels to keep, each `rows × cols`. */
function splitChannels(image: DecodedImage, dtype: string): TypedArray[] {
  const [rows, cols, channels] = image.shape;
  const n = rows * cols;
  const plane = (c: number) => {
    const out = DTYPES[dtype]!.make(n);
    for (let i = 0; i < n; i++) out[i] = image.data[i * channels + c]!;
    return out;
  };
  let keep = Array.from({ length: channels }, (_, c) => c);
  // drop a constant alpha (channel 3 of RGBA, 1 of grey + alpha)
  if (channels === 4 || channels === 2) {
    const a = channels - 1;
    const first = image.data[a]!;
    let constant = true;
    for (let i = 0; i < n && constant; i++) constant = image.data[i * channels + a] === first;
    if (constant) keep = keep.slice(0, a);
  }
  if (keep.length === 3) {
    let grey = true;
    for (let i = 0; i < n && grey; i++) {
      const v = image.data[i * channels]!;
      grey = image.data[i * channels + 1] === v && image.data[i * channels + 2] === v;
    }
    if (grey) keep = [0];
  }
  return keep.map(plane);
}

/** The 2×2 mean of a `rows × cols` plane (edge blocks averaged over the pixels they have). */
export function downsample2(plane: TypedArray, rows: number, cols: number, integer: boolean): TypedArray {
  const r2 = Math.ceil(rows / 2);
  const c2 = Math.ceil(cols / 2);
  const out = new (plane.constructor as new (n: number) => TypedArray)(r2 * c2);
  for (let r = 0; r < r2; r++) {
    const ra = 2 * r;
    const rb = Math.min(ra + 1, rows - 1);
    for (let c = 0; c < c2; c++) {
      const ca = 2 * c;
      const cb = Math.min(ca + 1, cols - 1);
      let sum = plane[ra * cols + ca]!;
      let count = 1;
      if (cb !== ca) {
        sum += plane[ra * cols + cb]!;
        count++;
      }
      if (rb !== ra) {
        sum += plane[rb * cols + ca]!;
        count++;
        if (cb !== ca) {
          sum += plane[rb * cols + cb]!;
          count++;
        }
      }
      out[r * c2 + c] = integer ? Math.round(sum / count) : sum / count;
    }
  }
  return out;
}

function littleEndian(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return bytes;
}

function range(planes: TypedArray[]): [number, number][] {
  return planes.map((p) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  });
}

/** Write `image` as an OME-Zarr image at the root of `store`. */
export async function imageToOmeZarr(
  image: DecodedImage,
  store: WritableStore,
  opts: ConvertOptions = {},
): Promise<ConvertSummary> {
  const ngff = opts.ngff ?? '0.5';
  if (ngff !== '0.4' && ngff !== '0.5')
    throw new ValueError(`ngff must be '0.4' or '0.5', got ${JSON.stringify(ngff)}`);
  const chunk = opts.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 16)
    throw new ValueError(`chunk must be an integer ≥ 16, got ${chunk}`);
  const [rows, cols] = image.shape;
  if (rows < 1 || cols < 1) throw new ShapeError(`image has no pixels (shape [${image.shape.join(', ')}])`);
  const dtype = storedDtype(image);
  const { integer } = DTYPES[dtype]!;
  let planes = splitChannels(image, dtype);
  const channels = planes.length;
  const multi = channels > 1;
  const axes = multi
    ? [
        { name: 'c', type: 'channel' },
        { name: 'y', type: 'space' },
        { name: 'x', type: 'space' },
      ]
    : [
        { name: 'y', type: 'space' },
        { name: 'x', type: 'space' },
      ];
  const windows = range(planes);

  const levels: number[][] = [];
  let [h, w] = [rows, cols];
  for (let level = 0; ; level++) {
    opts.signal?.throwIfAborted();
    const shape = multi ? [channels, h, w] : [h, w];
    const chunks = multi ? [1, chunk, chunk] : [chunk, chunk];
    levels.push(shape);
    await store.set(
      `/${level}/${ngff === '0.4' ? '.zarray' : 'zarr.json'}`,
      encodeJson(
        arrayDocument(
          ngff,
          shape,
          chunks,
          dtype,
          axes.map((a) => a.name),
        ),
      ),
    );
    for (let c = 0; c < channels; c++) {
      const plane = planes[c]!;
      for (let cr = 0; cr * chunk < h; cr++) {
        for (let cc = 0; cc * chunk < w; cc++) {
          const tile = DTYPES[dtype]!.make(chunk * chunk);
          const r1 = Math.min(h, (cr + 1) * chunk);
          for (let r = cr * chunk; r < r1; r++) {
            const c1 = Math.min(w, (cc + 1) * chunk);
            tile.set(plane.subarray(r * w + cc * chunk, r * w + c1), (r - cr * chunk) * chunk);
          }
          const grid = multi ? [c, cr, cc] : [cr, cc];
          const key = ngff === '0.4' ? `/${level}/${grid.join('/')}` : `/${level}/c/${grid.join('/')}`;
          await store.set(key, await compressBytes(littleEndian(tile), ngff === '0.4' ? 'deflate' : 'gzip'));
        }
      }
    }
    if (h <= chunk && w <= chunk) break;
    planes = planes.map((p) => downsample2(p, h, w, integer));
    [h, w] = [Math.ceil(h / 2), Math.ceil(w / 2)];
  }

  const scaleOf = (level: number) => (multi ? [1, 2 ** level, 2 ** level] : [2 ** level, 2 ** level]);
  const multiscale = {
    name: opts.name ?? 'image',
    axes,
    datasets: levels.map((_, i) => ({
      path: String(i),
      coordinateTransformations: [{ type: 'scale', scale: scaleOf(i) }],
    })),
  };
  const colors = ['FFFFFF', 'FF0000', '00FF00', '0000FF'];
  const omero = {
    name: opts.name ?? 'image',
    channels: windows.map(([lo, hi], c) => ({
      label: multi ? `channel ${c}` : 'intensity',
      color: multi ? (colors[(c % 3) + 1] ?? 'FFFFFF') : colors[0],
      active: true,
      window: { min: lo, max: hi, start: lo, end: hi },
    })),
    rdefs: { model: multi ? 'color' : 'greyscale' },
  };
  if (ngff === '0.4') {
    await store.set('/.zgroup', encodeJson({ zarr_format: 2 }));
    await store.set('/.zattrs', encodeJson({ multiscales: [{ version: '0.4', ...multiscale }], omero }));
  } else {
    await store.set(
      '/zarr.json',
      encodeJson({
        zarr_format: 3,
        node_type: 'group',
        attributes: { ome: { version: '0.5', multiscales: [multiscale], omero } },
      }),
    );
  }
  return { ngff, axes: axes.map((a) => a.name), dtype, levels, channels };
}

function arrayDocument(
  ngff: NgffVersion,
  shape: number[],
  chunks: number[],
  dtype: string,
  dimensionNames: string[],
): Record<string, unknown> {
  if (ngff === '0.4') {
    return {
      zarr_format: 2,
      shape,
      chunks,
      dtype: DTYPES[dtype]!.v2,
      compressor: { id: 'zlib', level: 6 },
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '/',
    };
  }
  return {
    zarr_format: 3,
    node_type: 'array',
    shape,
    data_type: dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: chunks } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    codecs: [
      { name: 'bytes', configuration: { endian: 'little' } },
      { name: 'gzip', configuration: { level: 6 } },
    ],
    attributes: {},
    dimension_names: dimensionNames,
  };
}

export interface ConvertFileOptions extends ConvertOptions {
  /** directory to write `<name>-<hash>.ome.zarr` into */
  outDir: string;
}

/**
 * Convert the PNG/TIFF file `input` into `<outDir>/<name>-<content hash>.ome.zarr` (NGFF version in
 * the name too) unless that store exists already; returns its path and whether it was made now.
 */
export async function convertImageFile(
  input: string,
  opts: ConvertFileOptions,
): Promise<{ path: string; created: boolean }> {
  const bytes = await readFile(input);
  const ngff = opts.ngff ?? '0.5';
  const stem = basename(input, extname(input)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'image';
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const target = resolve(opts.outDir, `${stem}-${hash}-ngff${ngff}.ome.zarr`);
  try {
    if ((await stat(target)).isDirectory()) return { path: target, created: false };
  } catch {
    // not there yet
  }
  const image = await readImage(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    input,
    opts,
  );
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${Date.now()}`);
  try {
    await imageToOmeZarr(image, new FileSystemStore(temp), { ...opts, ngff, name: opts.name ?? stem });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    // another process may have finished the same conversion first
    try {
      if ((await stat(target)).isDirectory()) return { path: target, created: false };
    } catch {
      // no: report the original error
    }
    throw err;
  }
  return { path: target, created: true };
}
