/**
 * Label images as the metrics accept them: a 2-D raster of non-negative integers where `0` is
 * background and every other value names one object. This mirrors StarDist's
 * `_check_label_array` (stardist/matching.py): an integer dtype, no negative labels; unlike
 * StarDist the labels need not be sequential, because every metric relabels first.
 *
 * @example
 * ```ts
 * const y = { data: new Uint16Array([0, 1, 1, 0, 7, 7]), shape: [2, 3] as [number, number] };
 * assertLabelRaster(y, 'yTrue'); // passes; Float32Array data would throw a DtypeError
 * ```
 */
import { DtypeError, ShapeError, ValueError } from '../errors.ts';
import type { Raster, TypedArray } from '../types.ts';

/** Integer typed arrays accepted as label data (Int32/Uint16/Uint32 are the usual ones). */
export type LabelArray =
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array;

/** A label image: `data[row * cols + col]` is the object id at that pixel, `0` is background. */
export type LabelRaster = Raster<LabelArray>;

const SIGNED = new Set(['Int8Array', 'Int16Array', 'Int32Array']);
const UNSIGNED = new Set(['Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array']);

function dtypeName(data: TypedArray | unknown): string {
  if (ArrayBuffer.isView(data)) return data.constructor.name;
  return data === null ? 'null' : typeof data;
}

/** `[r, c]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Throws unless `raster` is a 2-D label image: integer typed array (DtypeError), a shape of two
 * non-negative integers whose product is the data length (ShapeError), no negative label
 * (ValueError, as StarDist's "must be an array of non-negative integers").
 */
export function assertLabelRaster(raster: Raster, name: string): asserts raster is LabelRaster {
  const { data, shape } = raster as { data: unknown; shape: unknown };
  const dtype = dtypeName(data);
  if (!SIGNED.has(dtype) && !UNSIGNED.has(dtype)) {
    throw new DtypeError(
      `${name} must hold integer labels (Int32Array, Uint16Array, Uint32Array, ...), got ${dtype}`,
    );
  }
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    !shape.every((s) => Number.isInteger(s) && (s as number) >= 0)
  ) {
    throw new ShapeError(`${name} must have a 2-D shape [rows, cols], got ${JSON.stringify(shape)}`);
  }
  const labels = data as LabelArray;
  const [rows, cols] = shape as [number, number];
  if (rows * cols !== labels.length) {
    throw new ShapeError(
      `${name} has shape ${formatShape([rows, cols])} (${rows * cols} pixels) but ${labels.length} values`,
    );
  }
  if (SIGNED.has(dtype)) {
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]! < 0) {
        throw new ValueError(
          `${name} must contain non-negative labels, found ${labels[i]} at row ${Math.floor(i / cols)}, ` +
            `col ${i % cols}`,
        );
      }
    }
  }
}

/** Throws a ShapeError naming both shapes unless `a` and `b` have the same `[rows, cols]`. */
export function assertSameShape(a: Raster, b: Raster, nameA: string, nameB: string): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(
      `${nameA} ${formatShape(a.shape)} and ${nameB} ${formatShape(b.shape)} have different shapes`,
    );
  }
}
