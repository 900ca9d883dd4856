/** Validation shared by every function that takes a {@link Raster}. */
import { ShapeError } from './errors.ts';
import type { Raster } from './types.ts';

/** Returns `[rows, cols]` after checking that the shape is valid and matches the data length. */
export function checkRaster(raster: Raster, what: string): [number, number] {
  const [rows, cols] = raster.shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(
      `${what}: shape [${raster.shape.join(', ')}] is not a pair of non-negative integers`,
    );
  }
  if (raster.data.length !== rows * cols) {
    throw new ShapeError(
      `${what}: shape [${rows}, ${cols}] needs ${rows * cols} values but the data has ${raster.data.length}`,
    );
  }
  return [rows, cols];
}

/** Throws a ShapeError naming both shapes when two rasters differ in shape. */
export function checkSameShape(a: Raster, b: Raster, what: string): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`${what}: shapes differ, [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
}
