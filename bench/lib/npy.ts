/**
 * Reader for NumPy `.npy` (format 1.0/2.0, little-endian, C order) and gzipped `.npy.gz` files,
 * used to load fixtures written by the reference scripts under tests/fixtures/.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { TypedArray } from '../../src/engine/types.ts';

export interface NpyArray {
  data: TypedArray;
  shape: number[];
  dtype: string;
}

const CTORS: Record<string, new (buf: ArrayBuffer, offset: number, length: number) => TypedArray> = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '|b1': Uint8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
};

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error('not an .npy file');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`bad npy header: ${header}`);
  if (fortran === 'True') throw new Error('fortran-order npy not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const Ctor = CTORS[descr];
  if (!Ctor) throw new Error(`unsupported npy dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  // copy (Buffer#slice would return a view) so the typed array is aligned and starts at the body
  const body = new Uint8Array(bytes.subarray(start, start + count * (Number(descr.slice(2)) || 1)));
  return { data: new Ctor(body.buffer, 0, count), shape, dtype: descr };
}

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array = readFileSync(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  return parseNpy(bytes);
}
