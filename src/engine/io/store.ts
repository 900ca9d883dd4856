/**
 * The key/value store interface the OME-Zarr reader and label writer work on, and an in-memory
 * implementation.
 *
 * Keys follow zarrita's convention: `'/'`-separated paths relative to the store root, written
 * with a leading `'/'` (`/labels/nuclei/.zattrs`). Any zarrita store (`FetchStore`, a `Map`, the
 * `FileSystemStore` in `./node.ts`) can be read; writing needs {@link WritableStore}. The
 * optional `delete` lets the label writer remove a chunk that became all zero (an erased
 * annotation tile); stores without it get the zero chunk written instead, so reads stay correct.
 *
 * @example
 * const store = new MemoryStore();
 * await store.set('/a/.zgroup', new TextEncoder().encode('{"zarr_format":2}'));
 * (await store.get('/a/.zgroup'))?.length; // 17
 */
import { ValueError } from '../errors.ts';

/** Options every store read accepts (zarrita's `GetOptions`). */
export interface StoreGetOptions {
  signal?: AbortSignal;
}

/** A byte range: `length` bytes from `offset`, or the last `suffixLength` bytes (zarrita's `RangeQuery`). */
export type RangeQuery = { offset: number; length: number } | { suffixLength: number };

/** A store that can be read: zarrita's `AsyncReadable`. */
export interface ReadableStore {
  /** The bytes under `key`, or `undefined` when the key is absent. */
  get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined>;
  /** Part of the bytes under `key` (sharded arrays); optional, emulated with `get` when absent. */
  getRange?(key: string, range: RangeQuery, opts?: StoreGetOptions): Promise<Uint8Array | undefined>;
}

/** A store the label writer can write to. */
export interface WritableStore extends ReadableStore {
  set(key: string, value: Uint8Array): Promise<void>;
  /** Remove `key`; a missing key is not an error. Optional: see the module doc. */
  delete?(key: string): Promise<void>;
}

/**
 * Normalise a store key to zarrita's absolute form (`/a/b`) and refuse keys that could escape the
 * store root or that no store could hold: empty keys or segments, `.`/`..` segments, backslashes,
 * NUL, and a leading `//` or drive letter (a filesystem absolute path, not a store key).
 */
export function normalizeStoreKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValueError(`store key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
  if (key.startsWith('//') || /^[A-Za-z]:/.test(key)) {
    throw new ValueError(`store key ${JSON.stringify(key)} is an absolute filesystem path`);
  }
  if (key.includes('\\') || key.includes('\0')) {
    throw new ValueError(`store key ${JSON.stringify(key)} contains a backslash or NUL`);
  }
  const rel = key.startsWith('/') ? key.slice(1) : key;
  const segments = rel.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValueError(
        `store key ${JSON.stringify(key)} has an empty, '.' or '..' segment; keys may not leave the store root`,
      );
    }
  }
  return `/${rel}`;
}

/** Join path pieces into an absolute store path (`joinStorePath('', 'labels', 'x')` → `/labels/x`). */
export function joinStorePath(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split('/')).filter((s) => s !== '');
  return `/${segments.join('/')}`;
}

/** An in-memory store backed by a `Map` (keys normalised to `/a/b`). Values are stored as given. */
export class MemoryStore implements WritableStore {
  readonly map: Map<string, Uint8Array>;

  constructor(map: Map<string, Uint8Array> = new Map()) {
    this.map = map;
  }

  async get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
    opts?.signal?.throwIfAborted();
    return this.map.get(normalizeStoreKey(key));
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(normalizeStoreKey(key), value);
  }

  async delete(key: string): Promise<void> {
    this.map.delete(normalizeStoreKey(key));
  }

  /** The keys held, sorted (for tests and debugging). */
  keys(): string[] {
    return [...this.map.keys()].sort();
  }
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** Encode a JSON document the way zarr-python does (UTF-8, indented). */
export function encodeJson(doc: unknown): Uint8Array {
  return textEncoder.encode(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Decode bytes as a JSON object; `undefined` when they do not parse to a plain object. */
export function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(textDecoder.decode(bytes));
    return isPlainObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
