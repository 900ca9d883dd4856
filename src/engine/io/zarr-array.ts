/**
 * Opening a Zarr array (v2 or v3, sharded or not) with zarrita and reading single chunks, with
 * `AbortSignal` passed down to the store and decode failures reported as `FormatError` naming the
 * chunk key (zarrita's `CodecPipelineError` does not carry it).
 */
import * as zarr from 'zarrita';
import { FormatError, MetadataError, NotFoundError } from '../errors.ts';
import {
  isPlainObject,
  joinStorePath,
  type RangeQuery,
  type ReadableStore,
  type StoreGetOptions,
} from './store.ts';
import { chunkKeyOf, readZarrNode, type ZarrNodeMetadata } from './zarr-node.ts';

/** An opened array: its raw metadata node, zarrita handle and chunk-key encoder. */
export interface ZarrArrayHandle {
  node: ZarrNodeMetadata;
  shape: number[];
  /** chunk shape (the inner chunk shape of a sharded array) */
  chunks: number[];
  dtype: string;
  /** value of absent chunks, as a number */
  fillValue: number;
  /** absolute store key holding chunk `coords` (its shard's key for a sharded array) */
  chunkKey(coords: number[]): string;
  /**
   * Chunk `coords` decoded, or `null` when the store has no bytes for it. For a sharded array
   * an absent inner chunk cannot be told from a stored one without zarrita internals, so it
   * comes back filled with the fill value rather than `null`.
   */
  readChunk(coords: number[], signal?: AbortSignal): Promise<zarr.Chunk<zarr.DataType> | null>;
}

/** The inner chunk shape of a sharded (`sharding_indexed`) v3 array, else `undefined`. */
function innerChunkShape(node: ZarrNodeMetadata): number[] | undefined {
  const codecs = node.array?.codecs;
  if (!Array.isArray(codecs)) return undefined;
  const sharding = codecs.find((c) => isPlainObject(c) && c.name === 'sharding_indexed') as
    | { configuration?: { chunk_shape?: number[] } }
    | undefined;
  return sharding?.configuration?.chunk_shape;
}

/**
 * Open the array at `path`. The zarrita array reads through a small hand-off layer: `readChunk`
 * fetches the bytes itself (to learn whether the chunk exists) and hands them to zarrita, so each
 * chunk is fetched once. Stores without `getRange` get one built on `get`, so sharded arrays
 * open on any store (a remote store should provide `getRange` itself).
 */
export async function openZarrArray(
  store: ReadableStore,
  path: string,
  signal?: AbortSignal,
): Promise<ZarrArrayHandle> {
  const node = await readZarrNode(store, path, signal);
  if (node.kind !== 'array') throw new NotFoundError(`expected a Zarr array at ${node.path}, found a group`);
  const handoff = new Map<string, Uint8Array>();
  const readable = {
    async get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
      const bytes = handoff.get(key);
      if (bytes !== undefined) {
        handoff.delete(key);
        return bytes;
      }
      return store.get(key, opts);
    },
    getRange: store.getRange ? store.getRange.bind(store) : rangeFromGet(store),
  };
  const location = zarr.root(readable).resolve(node.path.slice(1) || '.');
  let arr: zarr.Array<zarr.DataType, typeof readable>;
  try {
    arr =
      node.zarrFormat === 2
        ? await zarr.open.v2(location, { kind: 'array', signal })
        : await zarr.open.v3(location, { kind: 'array', signal });
  } catch (err) {
    if (zarr.isZarritaError(err)) {
      throw new MetadataError(`cannot open the Zarr array at ${node.path}: ${(err as Error).message}`);
    }
    throw err;
  }
  const inner = innerChunkShape(node);
  const grid = node.array?.chunk_grid as { configuration?: { chunk_shape?: number[] } } | undefined;
  const shardShape = grid?.configuration?.chunk_shape;
  const perShard = inner && shardShape ? shardShape.map((s, i) => s / inner[i]!) : undefined;
  const chunkKey = (coords: number[]) =>
    joinStorePath(
      node.path,
      chunkKeyOf(node, perShard ? coords.map((c, i) => Math.floor(c / perShard[i]!)) : coords),
    );

  const decode = async (coords: number[], key: string, chunkSignal?: AbortSignal) => {
    try {
      return await arr.getChunk(coords, { signal: chunkSignal });
    } catch (err) {
      chunkSignal?.throwIfAborted();
      const reason =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : err;
      const what = perShard ? `inner chunk (${coords.join(', ')}) of shard ${key}` : `chunk ${key}`;
      throw new FormatError(`${what} could not be decoded (${String(reason)})`);
    }
  };
  return {
    node,
    shape: arr.shape,
    chunks: arr.chunks,
    dtype: arr.dtype,
    fillValue: Number(arr.fillValue ?? 0),
    chunkKey,
    async readChunk(coords, chunkSignal) {
      const key = chunkKey(coords);
      if (perShard) return decode(coords, key, chunkSignal);
      const bytes = await store.get(key, { signal: chunkSignal });
      if (bytes === undefined) return null;
      handoff.set(key, bytes);
      try {
        return await decode(coords, key, chunkSignal);
      } finally {
        handoff.delete(key);
      }
    },
  };
}

/** `getRange` for a store that only has `get`: fetch the whole value and slice it. */
function rangeFromGet(store: ReadableStore) {
  return async (key: string, range: RangeQuery, opts?: StoreGetOptions): Promise<Uint8Array | undefined> => {
    const bytes = await store.get(key, opts);
    if (bytes === undefined) return undefined;
    if ('suffixLength' in range) return bytes.subarray(Math.max(0, bytes.length - range.suffixLength));
    return bytes.subarray(range.offset, range.offset + range.length);
  };
}
