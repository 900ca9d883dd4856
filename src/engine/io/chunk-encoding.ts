/**
 * Encoding of label chunks for writing: little-endian bytes, then optionally deflate.
 *
 * zarrita's own `zlib`/`gzip` codecs are decode-only (ECOSYSTEM.md §4.2), so compression is done
 * here with the Compression Streams API (`CompressionStream`), which browsers, workers and
 * Node ≥ 18 all provide, so the engine needs no `node:zlib` and no WASM. `'deflate'` output is
 * the zlib format (RFC 1950), which is exactly numcodecs' `zlib` codec (Zarr v2); `'gzip'` is the
 * Zarr v3 core `gzip` codec. zarrita decodes both with `DecompressionStream`.
 */
import type { TypedArray } from '../types.ts';

/** `'none'`: raw bytes; `'deflate'`: zlib (v2 `{"id":"zlib"}`) or gzip (v3 `{"name":"gzip"}`). */
export type LabelCompression = 'none' | 'deflate';

/** Whether this machine stores typed arrays little-endian (every mainstream platform does). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** True when every element of `data` is 0. */
export function isAllZero(data: TypedArray): boolean {
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) return false;
  }
  return true;
}

/**
 * A fresh little-endian byte copy of an unsigned integer array (a copy, so the caller may reuse
 * its buffer while the write is still in flight).
 */
export function littleEndianBytes(data: Uint8Array | Uint16Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data.BYTES_PER_ELEMENT === 2) view.setUint16(2 * i, data[i]!, true);
    else view.setUint32(4 * i, data[i]!, true);
  }
  return bytes;
}

/** Compress `bytes` with the Compression Streams API (`'deflate'` = zlib format, or `'gzip'`). */
export async function compressBytes(bytes: Uint8Array, format: 'deflate' | 'gzip'): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
