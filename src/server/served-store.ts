/**
 * What the server serves under `/store/`: an OME-Zarr image (a directory on disk, or a virtual
 * slide computed on request) plus a writable `labels/` tree.
 *
 * - {@link openDirectoryStore}: a `.ome.zarr` directory. Image and labels are the same directory:
 *   label writes land in `<store>/labels/…`, next to the image, as the NGFF layout wants.
 * - {@link openVirtualStore}: a {@link VirtualSlide}; its metadata and chunks are computed (chunks
 *   kept in a byte-capped LRU cache), and `labels/…` lives in a separate directory (a cache dir),
 *   the only thing written to disk.
 *
 * Both are checked on opening with the engine's OME-Zarr reader, so a store the server starts on
 * is one the engine can read, and `/api/info` reports what that reader saw.
 */

import { NotFoundError } from '../engine/errors.ts';
import type { NgffAxis, NgffVersion } from '../engine/io/ngff-metadata.ts';
import { openOmeZarr } from '../engine/io/ome-zarr-read.ts';
import type { ReadableStore } from '../engine/io/store.ts';
import { ByteCache } from './byte-cache.ts';
import { SafeDirectory } from './safe-directory.ts';
import { VirtualSlide, type VirtualSlideOptions } from './virtual-slide.ts';

/** What `/api/info` reports. */
export interface StoreInfo {
  name: string;
  /** the input as given: a store path, the image file it was converted from, or `virtual:…` */
  source: string;
  virtual: boolean;
  /** level-0 array shape, one entry per axis */
  shape: number[];
  axes: string[];
  ngff: NgffVersion;
  zarrFormat: 2 | 3;
  /** shapes of all levels, largest first */
  levels: number[][];
  /** chunk shape of level 0 */
  chunks: number[];
  dtype: string;
  /** directory that `labels/` writes go to */
  labelsDirectory: string;
}

export interface ServedStore {
  readonly info: StoreInfo;
  /** bytes under a store key (`/0/c/0/0`), labels included; `undefined` when absent */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** write under `/labels/…` (the caller checked the prefix) */
  putLabel(key: string, bytes: Uint8Array): Promise<void>;
  deleteLabel(key: string): Promise<void>;
  /**
   * The level-0 chunks stored for label image `name` (`labels/<name>/0`), so a client can read
   * only those instead of probing every chunk of a large grid.
   */
  labelChunks(name: string): Promise<LabelChunkList>;
}

export interface LabelChunkList {
  name: string;
  /** store path of the level-0 array, without the leading `/` (`labels/annotations/0`) */
  array: string;
  zarrFormat: 2 | 3;
  /** `[chunkRow, chunkCol]` of every stored chunk, sorted */
  chunks: [number, number][];
}

/** {@link ServedStore.labelChunks} on the directory that holds `labels/`. */
async function listLabelChunks(dir: SafeDirectory, name: string): Promise<LabelChunkList> {
  const array = `/labels/${name}/0`;
  if ((await dir.get(`${array}/zarr.json`)) !== undefined) {
    return { name, array: array.slice(1), zarrFormat: 3, chunks: await dir.listChunkGrid(`${array}/c`) };
  }
  if ((await dir.get(`${array}/.zarray`)) !== undefined) {
    return { name, array: array.slice(1), zarrFormat: 2, chunks: await dir.listChunkGrid(array) };
  }
  throw new NotFoundError(
    `label image ${name} has no level-0 array (${array.slice(1)}/zarr.json or .zarray)`,
  );
}

function isLabelKey(key: string): boolean {
  return key.startsWith('/labels/');
}

function readable(dir: SafeDirectory): ReadableStore {
  return { get: (key, opts) => dir.get(key, opts?.signal) };
}

async function describe(
  store: ReadableStore,
  base: Omit<StoreInfo, 'shape' | 'axes' | 'ngff' | 'zarrFormat' | 'levels' | 'chunks' | 'dtype'>,
  fallbackName: string,
): Promise<StoreInfo> {
  const image = await openOmeZarr(store);
  const axes = image.axes.map((a: NgffAxis) => a.name);
  const level0 = image.levels[0]!;
  return {
    ...base,
    name: base.name || image.name || fallbackName,
    shape: level0.shape,
    axes,
    ngff: image.ngff,
    zarrFormat: image.zarrFormat,
    levels: image.levels.map((l) => l.shape),
    chunks: level0.chunks,
    dtype: level0.dtype,
  };
}

/** Serve the OME-Zarr directory `root`; `source` is what the user named (default `root`). */
export async function openDirectoryStore(
  root: string,
  opts: { source?: string; name?: string } = {},
): Promise<ServedStore> {
  const dir = new SafeDirectory(root);
  const baseName =
    (
      root
        .replace(/[/\\]+$/, '')
        .split(/[/\\]/)
        .pop() ?? 'image'
    ).replace(/(\.ome)?\.zarr$/i, '') || 'image';
  const info = await describe(
    readable(dir),
    { name: opts.name ?? '', source: opts.source ?? dir.root, virtual: false, labelsDirectory: dir.root },
    baseName,
  );
  return {
    info,
    get: (key, signal) => dir.get(key, signal),
    putLabel: (key, bytes) => dir.set(key, bytes),
    deleteLabel: (key) => dir.delete(key),
    labelChunks: (name) => listLabelChunks(dir, name),
  };
}

export interface VirtualStoreOptions extends VirtualSlideOptions {
  /** directory for `labels/` (created when first written) */
  labelsDirectory: string;
  /** cap of the chunk cache in bytes (default 64 MiB) */
  cacheBytes?: number;
}

/** A served virtual slide; `cache` is exposed for statistics (`/api/info` does not include it). */
export interface VirtualServedStore extends ServedStore {
  readonly slide: VirtualSlide;
  readonly cache: ByteCache;
}

export async function openVirtualStore(opts: VirtualStoreOptions): Promise<VirtualServedStore> {
  const slide = new VirtualSlide(opts);
  const docs = slide.metadata();
  const labels = new SafeDirectory(opts.labelsDirectory);
  const cache = new ByteCache(opts.cacheBytes ?? 64 * 1024 * 1024);

  const get = async (key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> => {
    if (isLabelKey(key)) return labels.get(key, signal);
    const doc = docs.get(key);
    if (doc !== undefined) return doc;
    const chunk = slide.chunkOfKey(key);
    if (chunk === undefined) return undefined;
    signal?.throwIfAborted();
    return cache.get(key, () => slide.renderChunk(chunk.level, chunk.row, chunk.col));
  };
  const info = await describe(
    { get: (key, o) => get(key, o?.signal) },
    {
      name: slide.name,
      source: `virtual:size=${slide.size},seed=${slide.seed}`,
      virtual: true,
      labelsDirectory: labels.root,
    },
    slide.name,
  );
  return {
    info,
    slide,
    cache,
    get,
    putLabel: (key, bytes) => labels.set(key, bytes),
    deleteLabel: (key) => labels.delete(key),
    labelChunks: (name) => listLabelChunks(labels, name),
  };
}
