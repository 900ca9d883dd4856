/**
 * Writer for NumPy `.npy` (format 1.0, little-endian, C order), optionally gzipped with a zero
 * mtime so reruns give identical bytes; the counterpart of bench/lib/npy.ts for handing arrays
 * computed here to the Python reference scripts.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { TypedArray } from '../../src/engine/types.ts';

const DESCR = new Map<string, string>([
  ['Uint8Array', '|u1'],
  ['Int8Array', '|i1'],
  ['Uint16Array', '<u2'],
  ['Int16Array', '<i2'],
  ['Uint32Array', '<u4'],
  ['Int32Array', '<i4'],
  ['Float32Array', '<f4'],
  ['Float64Array', '<f8'],
]);

export function encodeNpy(data: TypedArray, shape: readonly number[]): Uint8Array {
  const descr = DESCR.get(data.constructor.name);
  if (!descr) throw new Error(`encodeNpy: unsupported array ${data.constructor.name}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`encodeNpy: shape [${shape}] does not hold ${data.length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Writes `.npy`, or gzipped `.npy.gz` when the path ends in `.gz`. */
export function writeNpy(path: string, data: TypedArray, shape: readonly number[]): void {
  const bytes = encodeNpy(data, shape);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes, { level: 9 }) : bytes);
}
