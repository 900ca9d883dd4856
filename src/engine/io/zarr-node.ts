/**
 * Reading the raw metadata documents of a Zarr node (group or array), v2 or v3, straight from a
 * store, so that errors can name the exact key (`/labels/.zattrs`) and so the OME attributes can
 * be located: NGFF 0.4 keeps them at the top of `.zattrs` (Zarr v2), NGFF 0.5 under
 * `attributes.ome` of `zarr.json` (Zarr v3).
 *
 * Chunk data is decoded by zarrita; this module only reads JSON.
 */
import { MetadataError, NotFoundError } from '../errors.ts';
import { decodeJsonObject, isPlainObject, joinStorePath, type ReadableStore } from './store.ts';

/** The metadata of a group or array node. */
export interface ZarrNodeMetadata {
  /** absolute store path of the node (`/` for the root) */
  path: string;
  zarrFormat: 2 | 3;
  kind: 'group' | 'array';
  /** the user attributes (`.zattrs` for v2, `attributes` of `zarr.json` for v3) */
  attributes: Record<string, unknown>;
  /** the array document (`.zarray` or `zarr.json`), for arrays only */
  array?: Record<string, unknown>;
  /** human-readable location of the attributes, for error messages */
  where: string;
}

async function readJson(
  store: ReadableStore,
  key: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await store.get(key, { signal });
  if (bytes === undefined) return undefined;
  const doc = decodeJsonObject(bytes);
  if (doc === undefined) throw new MetadataError(`${key} is not a JSON object`);
  return doc;
}

/**
 * Read the node at `path`: `zarr.json` first (v3), then `.zarray` / `.zgroup` / `.zattrs` (v2).
 * Returns `undefined` when there is no node; throws `MetadataError` on malformed JSON.
 */
export async function tryReadZarrNode(
  store: ReadableStore,
  path: string,
  signal?: AbortSignal,
): Promise<ZarrNodeMetadata | undefined> {
  const v3Key = joinStorePath(path, 'zarr.json');
  const v3 = await readJson(store, v3Key, signal);
  if (v3 !== undefined) {
    if (v3.zarr_format !== 3) {
      throw new MetadataError(`'zarr_format' in ${v3Key} must be 3, got ${JSON.stringify(v3.zarr_format)}`);
    }
    if (v3.node_type !== 'group' && v3.node_type !== 'array') {
      throw new MetadataError(
        `'node_type' in ${v3Key} must be 'group' or 'array', got ${JSON.stringify(v3.node_type)}`,
      );
    }
    const attrs = v3.attributes ?? {};
    if (!isPlainObject(attrs)) throw new MetadataError(`'attributes' in ${v3Key} is not an object`);
    return {
      path: joinStorePath(path),
      zarrFormat: 3,
      kind: v3.node_type,
      attributes: attrs,
      array: v3.node_type === 'array' ? v3 : undefined,
      where: `zarr.json of ${joinStorePath(path)}`,
    };
  }
  const zarray = await readJson(store, joinStorePath(path, '.zarray'), signal);
  const zgroup =
    zarray === undefined ? await readJson(store, joinStorePath(path, '.zgroup'), signal) : undefined;
  const zattrs = await readJson(store, joinStorePath(path, '.zattrs'), signal);
  if (zarray === undefined && zgroup === undefined && zattrs === undefined) return undefined;
  return {
    path: joinStorePath(path),
    zarrFormat: 2,
    kind: zarray !== undefined ? 'array' : 'group',
    attributes: zattrs ?? {},
    array: zarray,
    where: `.zattrs of ${joinStorePath(path)}`,
  };
}

/** Like {@link tryReadZarrNode} but a missing node is a `NotFoundError`. */
export async function readZarrNode(
  store: ReadableStore,
  path: string,
  signal?: AbortSignal,
): Promise<ZarrNodeMetadata> {
  const node = await tryReadZarrNode(store, path, signal);
  if (node === undefined) {
    throw new NotFoundError(
      `no Zarr node at ${joinStorePath(path)} (no zarr.json, .zarray, .zgroup or .zattrs)`,
    );
  }
  return node;
}

/**
 * The OME-NGFF attribute object of a node: `attributes.ome` for Zarr v3 (NGFF 0.5), the
 * attributes themselves for Zarr v2 (NGFF ≤ 0.4). `where` names it for error messages.
 */
export function omeAttributes(node: ZarrNodeMetadata): { ome: Record<string, unknown>; where: string } {
  if (node.zarrFormat === 2) return { ome: node.attributes, where: node.where };
  const ome = node.attributes.ome;
  if (ome === undefined) throw new MetadataError(`missing 'ome' in attributes of ${node.where}`);
  if (!isPlainObject(ome)) throw new MetadataError(`'ome' in attributes of ${node.where} is not an object`);
  return { ome, where: `attributes.ome of ${node.where}` };
}

/**
 * Where chunk `coords` of an array lives, relative to the array: v2 `0.1` or `0/1`
 * (`dimension_separator`), v3 `c/0/1` (`default` encoding) or `0.1` (`v2` encoding).
 */
export function chunkKeyOf(node: ZarrNodeMetadata, coords: number[]): string {
  const meta = node.array ?? {};
  if (node.zarrFormat === 2) {
    const sep = meta.dimension_separator === '/' ? '/' : '.';
    return coords.length === 0 ? '0' : coords.join(sep);
  }
  const encoding = isPlainObject(meta.chunk_key_encoding) ? meta.chunk_key_encoding : { name: 'default' };
  const config = isPlainObject(encoding.configuration) ? encoding.configuration : {};
  if (encoding.name === 'v2') {
    const sep = config.separator === '/' ? '/' : '.';
    return coords.length === 0 ? '0' : coords.join(sep);
  }
  const sep = config.separator === '.' ? '.' : '/';
  return ['c', ...coords].join(sep);
}
