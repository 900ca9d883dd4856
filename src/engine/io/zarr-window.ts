/**
 * Reading a 2-D window of a Zarr array chunk by chunk: rows/cols on the `y`/`x` axes, one index on
 * every other axis. Reading chunk-wise rather than with `zarr.get` keeps the chunk key in error
 * messages (see `zarr-array.ts`) and bounds the reads in flight. The output dtype follows the
 * array's, except that 64-bit integers become `Float64Array` (exact below 2^53; larger values are
 * a `ValueError`), since the engine's `TypedArray` has no BigInt arrays.
 */
import { DtypeError, ValueError } from '../errors.ts';
import type { TypedArray } from '../types.ts';
import type { ZarrArrayHandle } from './zarr-array.ts';

/** dtypes the reader returns, and the typed array each becomes. */
const OUTPUT_CTORS: Record<string, new (n: number) => TypedArray> = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: Float64Array,
  uint64: Float64Array,
};

/** chunk reads in flight at once in {@link readArrayWindow} */
const MAX_CONCURRENT_CHUNKS = 16;

type ChunkData = TypedArray | BigInt64Array | BigUint64Array;

/** A 2-D window of an array: rows/cols on the `y`/`x` axes, one index on every other axis. */
export interface WindowSpec {
  yAxis: number;
  xAxis: number;
  /** index per axis; entries at `yAxis`/`xAxis` are ignored */
  index: number[];
  row0: number;
  rows: number;
  col0: number;
  cols: number;
}

/** The typed array constructor a window of `dtype` is returned in. */
export function outputCtorFor(dtype: string, path: string): new (n: number) => TypedArray {
  const ctor = OUTPUT_CTORS[dtype];
  if (ctor === undefined) throw new DtypeError(`cannot read dtype '${dtype}' of the array at ${path}`);
  return ctor;
}

/** Read `spec`'s window into a row-major `rows × cols` typed array (absent chunks read as fill value). */
export async function readArrayWindow(
  h: ZarrArrayHandle,
  spec: WindowSpec,
  signal?: AbortSignal,
): Promise<TypedArray> {
  const { yAxis, xAxis, row0, rows, col0, cols } = spec;
  const out = new (outputCtorFor(h.dtype, h.node.path))(rows * cols);
  if (rows === 0 || cols === 0) return out;
  const [cy, cx] = [h.chunks[yAxis]!, h.chunks[xAxis]!];
  const base = spec.index.map((v, axis) => Math.floor(v / h.chunks[axis]!));
  const jobs: (() => Promise<void>)[] = [];
  for (let gy = Math.floor(row0 / cy); gy * cy < row0 + rows; gy++) {
    for (let gx = Math.floor(col0 / cx); gx * cx < col0 + cols; gx++) {
      const coords = base.slice();
      coords[yAxis] = gy;
      coords[xAxis] = gx;
      jobs.push(async () => {
        const chunk = await h.readChunk(coords, signal);
        if (chunk === null) {
          fillRegion(
            out,
            cols,
            Math.max(row0, gy * cy) - row0,
            Math.min(row0 + rows, (gy + 1) * cy) - row0,
            Math.max(col0, gx * cx) - col0,
            Math.min(col0 + cols, (gx + 1) * cx) - col0,
            h,
          );
          return;
        }
        copyFromChunk(out, spec, chunk.data as ChunkData, chunk.stride, coords, h);
      });
    }
  }
  // A bounded number of chunk reads in flight: a whole-level read of a slide is thousands of chunks.
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_CHUNKS, jobs.length) }, worker));
  return out;
}

function fillRegion(
  out: TypedArray,
  cols: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  h: ZarrArrayHandle,
) {
  if (h.fillValue === 0) return; // typed arrays start zeroed
  for (let r = r0; r < r1; r++) out.fill(h.fillValue, r * cols + c0, r * cols + c1);
}

function copyFromChunk(
  out: TypedArray,
  spec: WindowSpec,
  data: ChunkData,
  stride: number[],
  coords: number[],
  h: ZarrArrayHandle,
): void {
  const { yAxis, xAxis, row0, rows, col0, cols } = spec;
  const [cy, cx] = [h.chunks[yAxis]!, h.chunks[xAxis]!];
  let offset = 0;
  for (let axis = 0; axis < coords.length; axis++) {
    if (axis !== yAxis && axis !== xAxis)
      offset += (spec.index[axis]! - coords[axis]! * h.chunks[axis]!) * stride[axis]!;
  }
  const r0 = Math.max(row0, coords[yAxis]! * cy);
  const r1 = Math.min(row0 + rows, (coords[yAxis]! + 1) * cy);
  const c0 = Math.max(col0, coords[xAxis]! * cx);
  const c1 = Math.min(col0 + cols, (coords[xAxis]! + 1) * cx);
  const [sy, sx] = [stride[yAxis]!, stride[xAxis]!];
  const isBig = data instanceof BigInt64Array || data instanceof BigUint64Array;
  for (let r = r0; r < r1; r++) {
    const src = offset + (r - coords[yAxis]! * cy) * sy + (c0 - coords[xAxis]! * cx) * sx;
    const dst = (r - row0) * cols + (c0 - col0);
    if (!isBig && sx === 1 && data.constructor === out.constructor) {
      (out as Uint8Array).set((data as Uint8Array).subarray(src, src + (c1 - c0)), dst);
      continue;
    }
    for (let c = 0; c < c1 - c0; c++) {
      const v = data[src + c * sx]!;
      if (typeof v === 'bigint') {
        if (v > 9007199254740991n || v < -9007199254740991n) {
          throw new ValueError(`value ${v} in ${h.chunkKey(coords)} does not fit a float64 exactly`);
        }
        out[dst + c] = Number(v);
      } else {
        out[dst + c] = v;
      }
    }
  }
}
