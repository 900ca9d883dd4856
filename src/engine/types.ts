/**
 * Plain records passed between engine stages (zarrita style): a typed array plus its shape,
 * row-major `[rows][cols]` for 2-D data.
 */

export type TypedArray =
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A 2-D raster: `data[row * cols + col]`. */
export interface Raster<T extends TypedArray = TypedArray> {
  data: T;
  /** `[rows, cols]` */
  shape: [number, number];
}

/** A 2-D raster with interleaved channels: `data[(row * cols + col) * channels + c]`. */
export interface MultiChannelRaster<T extends TypedArray = TypedArray> {
  data: T;
  /** `[rows, cols, channels]` */
  shape: [number, number, number];
}
