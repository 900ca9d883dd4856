/**
 * Border cropping before evaluation, as Sketchpose's own evaluation does
 * (napari-sketchpose 0.1.8, `evaluation_training/evaluate_accuracy.py`):
 *
 * ```python
 * x_0 = int(0.1 * gt.shape[0]); x_1 = int(0.9 * gt.shape[0])
 * y_0 = int(0.1 * gt.shape[1]); y_1 = int(0.9 * gt.shape[1])
 * gt[x_0:x_1, y_0:y_1]
 * ```
 *
 * For a fraction `f` this keeps rows `floor(f·rows) .. floor((1−f)·rows) − 1` and the same for
 * columns. Note the asymmetry the truncation gives: for 256 rows and f = 0.1 the kept rows are
 * 25..229, i.e. 25 rows cut at the top and 26 at the bottom. Objects cut by the crop are kept as the
 * partial objects that remain; nothing is relabelled here.
 *
 * @example
 * ```ts
 * const inner = cropBorder({ data: new Int32Array(100), shape: [10, 10] }, 0.1); // shape [8, 8]
 * ```
 */
import { ValueError } from '../errors.ts';
import type { Raster, TypedArray } from '../types.ts';

/** The half-open row (or column) range kept by {@link cropBorder} for a side of length `size`. */
export function croppedRange(size: number, fraction: number): [number, number] {
  // `(1 - f) * size` reproduces Python's `int(0.9 * size)` for f = 0.1 (1 − 0.1 === 0.9 in binary64)
  return [Math.floor(fraction * size), Math.floor((1 - fraction) * size)];
}

/** Throws a ValueError unless `fraction` is a finite number in [0, 0.5). */
export function assertCropFraction(fraction: number): void {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 0.5) {
    throw new ValueError(`cropBorder must be a fraction in [0, 0.5), got ${fraction}`);
  }
}

/**
 * Returns the centre of `raster` with `fraction` of each border removed (a copy; the input is not
 * modified). `fraction = 0` returns the raster itself.
 */
export function cropBorder<T extends TypedArray>(raster: Raster<T>, fraction: number): Raster<T> {
  assertCropFraction(fraction);
  if (fraction === 0) return raster;
  const [rows, cols] = raster.shape;
  const [r0, r1] = croppedRange(rows, fraction);
  const [c0, c1] = croppedRange(cols, fraction);
  const outRows = Math.max(0, r1 - r0);
  const outCols = Math.max(0, c1 - c0);
  const Ctor = raster.data.constructor as new (length: number) => T;
  const out = new Ctor(outRows * outCols);
  for (let r = 0; r < outRows; r++) {
    const start = (r0 + r) * cols + c0;
    // subarray + set copies a row without a per-pixel loop
    (out as TypedArray).set(raster.data.subarray(start, start + outCols) as ArrayLike<number>, r * outCols);
  }
  return { data: out, shape: [outRows, outCols] };
}
