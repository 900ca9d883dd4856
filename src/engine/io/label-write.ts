/**
 * Writing an OME-NGFF label image (NGFF 0.4 / Zarr v2 or 0.5 / Zarr v3) chunk by chunk, sparsely:
 * a chunk that is entirely 0 (the fill value) is not stored, and one that becomes all zero is
 * deleted, so storage follows what was painted, not the slide size (ARCHITECTURE.md "Tiles
 * everywhere"). Metadata documents are described in `label-metadata.ts`.
 *
 * All metadata is written by `createLabelImage` itself (array first, then the label group, then
 * the `labels` list), so the store is a valid OME-Zarr at every moment, e.g. between autosaves;
 * `finish()` rewrites the group metadata (with updated colours/properties if given) and seals the
 * writer. Calling `createLabelImage` for a label that exists with the same shape, chunks, dtype
 * and format keeps its chunks, so an annotation store can reopen and continue.
 *
 * Compression defaults to `'deflate'` (zlib for v2, gzip for v3; see `chunk-encoding.ts`).
 *
 * @example
 * const w = await createLabelImage(store, { name: 'annotations', shape: [520, 696], chunks: [256, 256],
 *   dtype: 'uint8', ngff: '0.5', colors: [{ labelValue: 2, rgba: [0, 255, 0, 255] }] });
 * await w.writeChunk(0, 1, tile); // tile: Uint8Array of 256×256 (or the clipped edge size)
 * await w.finish();
 */
import { DtypeError, ShapeError, ValueError } from '../errors.ts';
import type { Raster, TypedArray } from '../types.ts';
import { compressBytes, isAllZero, type LabelCompression, littleEndianBytes } from './chunk-encoding.ts';
import { type LabelDtype, labelArrayDocument } from './label-metadata.ts';
import { prepareLabelStore, validateLabelOptions } from './label-store-layout.ts';
import type { LabelColor, NgffVersion } from './ngff-metadata.ts';
import { encodeJson, joinStorePath, type WritableStore } from './store.ts';

export interface CreateLabelImageOptions {
  /** label image name: `labels/<name>` (no `/`) */
  name: string;
  /** `[rows, cols]` of the label image (equal to the image's `y`/`x` size when the image exists) */
  shape: [number, number];
  /** `[rows, cols]` of a chunk; match the image's chunks so tiles line up */
  chunks: [number, number];
  dtype: LabelDtype;
  ngff: NgffVersion;
  colors?: LabelColor[];
  /** `image-label.properties` entries, each with an integer `'label-value'` */
  properties?: Record<string, unknown>[];
  /** store path of the image group the labels belong to; default the store root */
  imageName?: string;
  /** chunk compression; default `'deflate'` */
  compression?: LabelCompression;
  /** `y`/`x` scale of level 0; default the image's level-0 scale, or `[1, 1]` */
  scale?: [number, number];
  signal?: AbortSignal;
}

/** What `writeChunk` did: stored bytes, or found the chunk all zero (not stored / removed). */
export type ChunkWriteResult = 'written' | 'empty';

export interface LabelWriteSummary {
  written: number;
  empty: number;
}

export interface LabelImageWriter {
  /** absolute store path of the label group (`/labels/<name>`) */
  readonly path: string;
  readonly name: string;
  readonly shape: [number, number];
  readonly chunks: [number, number];
  readonly dtype: LabelDtype;
  readonly ngff: NgffVersion;
  /** number of chunks along rows and cols */
  readonly chunkGrid: [number, number];
  /**
   * Store chunk (`chunkRow`, `chunkCol`). `data` is row-major, of the full chunk shape or, on the
   * last row/column of chunks, either the full shape or the part inside the image.
   */
  writeChunk(
    chunkRow: number,
    chunkCol: number,
    data: TypedArray | Raster,
    opts?: { signal?: AbortSignal },
  ): Promise<ChunkWriteResult>;
  /** Rewrite the group metadata (optionally with new colours/properties) and seal the writer. */
  finish(update?: {
    colors?: LabelColor[];
    properties?: Record<string, unknown>[];
  }): Promise<LabelWriteSummary>;
}

/** The typed array classes accepted for each dtype (subclasses such as Node's `Buffer` included). */
const DATA_CLASSES: Record<
  LabelDtype,
  (typeof Uint8Array | typeof Uint8ClampedArray | typeof Uint16Array | typeof Uint32Array)[]
> = {
  uint8: [Uint8Array, Uint8ClampedArray],
  uint16: [Uint16Array],
  uint32: [Uint32Array],
};

/** Create (or reopen, see the module doc) the label image `opts.name` and return its writer. */
export async function createLabelImage(
  store: WritableStore,
  opts: CreateLabelImageOptions,
): Promise<LabelImageWriter> {
  const options = validateLabelOptions(opts);
  const { name, shape, chunks, dtype, ngff } = options;
  const compression = opts.compression ?? 'deflate';
  const layout = await prepareLabelStore(store, options, opts.signal);

  const [docName, arrayDoc] = labelArrayDocument(ngff, shape, chunks, dtype, compression);
  await store.set(joinStorePath(layout.labelPath, '0', docName), encodeJson(arrayDoc));
  await layout.writeGroupMetadata(options.colors, options.properties);

  const grid: [number, number] = [Math.ceil(shape[0] / chunks[0]), Math.ceil(shape[1] / chunks[1])];
  const summary: LabelWriteSummary = { written: 0, empty: 0 };
  let finished = false;

  const writeChunk: LabelImageWriter['writeChunk'] = async (chunkRow, chunkCol, input, writeOpts = {}) => {
    if (finished)
      throw new ValueError(`label image ${layout.labelPath} is finished; no more chunks can be written`);
    if (
      !Number.isInteger(chunkRow) ||
      !Number.isInteger(chunkCol) ||
      chunkRow < 0 ||
      chunkCol < 0 ||
      chunkRow >= grid[0] ||
      chunkCol >= grid[1]
    ) {
      throw new ValueError(
        `chunk (${chunkRow}, ${chunkCol}) is outside the ${grid[0]}×${grid[1]} chunk grid of ${layout.labelPath} ` +
          `(shape [${shape.join(', ')}], chunks [${chunks.join(', ')}])`,
      );
    }
    const data = 'shape' in input && !ArrayBuffer.isView(input) ? input.data : (input as TypedArray);
    const ctorName = data.constructor.name;
    if (!DATA_CLASSES[dtype].some((cls) => data instanceof cls)) {
      throw new DtypeError(
        `label image ${layout.labelPath} is ${dtype}: chunk data must be a ${DATA_CLASSES[dtype][0]!.name}, got ${ctorName}`,
      );
    }
    const edge: [number, number] = [
      Math.min(chunks[0], shape[0] - chunkRow * chunks[0]),
      Math.min(chunks[1], shape[1] - chunkCol * chunks[1]),
    ];
    const given = 'shape' in input && !ArrayBuffer.isView(input) ? input.shape : undefined;
    if (given && data.length !== given[0] * given[1]) {
      throw new ShapeError(
        `chunk data has ${data.length} values but its shape [${given.join(', ')}] needs ${given[0] * given[1]}`,
      );
    }
    const full = chunks[0] * chunks[1];
    const matchesFull = given ? given[0] === chunks[0] && given[1] === chunks[1] : data.length === full;
    const matchesEdge = given
      ? given[0] === edge[0] && given[1] === edge[1]
      : data.length === edge[0] * edge[1];
    if (!matchesFull && !matchesEdge) {
      const got = given ? `shape [${given.join(', ')}]` : `${data.length} values`;
      const expected =
        edge[0] === chunks[0] && edge[1] === chunks[1]
          ? `[${chunks.join(', ')}]`
          : `[${chunks.join(', ')}] or [${edge.join(', ')}]`;
      throw new ShapeError(
        `chunk (${chunkRow}, ${chunkCol}) of ${layout.labelPath} expects shape ${expected}, got ${got}`,
      );
    }
    const chunk = matchesFull
      ? (data as Uint8Array | Uint16Array | Uint32Array)
      : padToChunk(data, edge, chunks);
    const key = joinStorePath(
      layout.labelPath,
      '0',
      ngff === '0.5' ? 'c' : '',
      String(chunkRow),
      String(chunkCol),
    );

    if (isAllZero(chunk)) {
      writeOpts.signal?.throwIfAborted();
      if (store.delete) {
        await store.delete(key);
        summary.empty++;
        return 'empty';
      }
      // Without delete, an existing chunk must be overwritten with zeros to erase it.
      if ((await store.get(key, { signal: writeOpts.signal })) === undefined) {
        summary.empty++;
        return 'empty';
      }
    }
    let bytes = littleEndianBytes(chunk);
    if (compression === 'deflate') bytes = await compressBytes(bytes, ngff === '0.4' ? 'deflate' : 'gzip');
    writeOpts.signal?.throwIfAborted();
    await store.set(key, bytes);
    summary.written++;
    return 'written';
  };

  return {
    path: layout.labelPath,
    name,
    shape,
    chunks,
    dtype,
    ngff,
    chunkGrid: grid,
    writeChunk,
    async finish(update = {}) {
      const next = validateLabelOptions({ ...opts, ...update });
      await layout.writeGroupMetadata(next.colors, next.properties);
      finished = true;
      return { ...summary };
    },
  };
}

function padToChunk(data: TypedArray, edge: [number, number], chunks: [number, number]) {
  const Ctor = data.constructor as new (n: number) => Uint8Array | Uint16Array | Uint32Array;
  const out = new Ctor(chunks[0] * chunks[1]);
  for (let r = 0; r < edge[0]; r++) {
    out.set((data as Uint8Array).subarray(r * edge[1], (r + 1) * edge[1]), r * chunks[1]);
  }
  return out;
}
