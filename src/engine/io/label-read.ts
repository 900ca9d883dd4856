/**
 * Reading an OME-NGFF label image (`<image>/labels/<name>`, NGFF 0.4 or 0.5) chunk by chunk or
 * by window, through zarrita. Works on label images from any writer, not only ours: extra axes of
 * size 1 (`c`, `z`, `t`) are fixed at index 0; larger ones are refused. Only level 0 is read.
 *
 * Label data must be integer (ngff spec, "labels"); a float label image is a `DtypeError`.
 * `int64`/`uint64` labels (common from Python writers) come back as `Float64Array`.
 *
 * @example
 * const labels = await openLabelImage(store, 'annotations');
 * const tile = await labels.readChunk(0, 1);           // null when the chunk was never written
 * const win = await labels.readWindow(100, 200, 64, 64, { signal });
 */
import { DtypeError, MetadataError, ValueError } from '../errors.ts';
import type { TypedArray } from '../types.ts';
import type { LabelColor, NgffVersion } from './ngff-metadata.ts';
import { openOmeZarr } from './ome-zarr-read.ts';
import { joinStorePath, type ReadableStore } from './store.ts';
import { outputCtorFor, readArrayWindow } from './zarr-window.ts';

const INTEGER_DTYPES = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

export interface LabelImage {
  /** absolute store path of the label group */
  path: string;
  name: string;
  ngff: NgffVersion;
  /** `[rows, cols]` of level 0 */
  shape: [number, number];
  /** `[rows, cols]` of a level-0 chunk */
  chunks: [number, number];
  dtype: string;
  colors: LabelColor[];
  properties: Record<string, unknown>[];
  /** Chunk (`chunkRow`, `chunkCol`) as a full-chunk row-major array, or `null` if not stored. */
  readChunk(chunkRow: number, chunkCol: number, opts?: { signal?: AbortSignal }): Promise<TypedArray | null>;
  /** A `rows × cols` window at (`row0`, `col0`), row-major; unstored chunks read as 0. */
  readWindow(
    row0: number,
    col0: number,
    rows: number,
    cols: number,
    opts?: { signal?: AbortSignal },
  ): Promise<TypedArray>;
}

/** Open label image `name` of the image at `opts.imageName` (default the store root). */
export async function openLabelImage(
  store: ReadableStore,
  name: string,
  opts: { imageName?: string; signal?: AbortSignal } = {},
): Promise<LabelImage> {
  const path = joinStorePath(opts.imageName ?? '', 'labels', name);
  const image = await openOmeZarr(store, { path, signal: opts.signal });
  const level = image.levels[0]!;
  const names = image.axes.map((a) => a.name);
  const [yAxis, xAxis] = [names.indexOf('y'), names.indexOf('x')];
  names.forEach((axis, i) => {
    if (i !== yAxis && i !== xAxis && level.shape[i] !== 1) {
      throw new MetadataError(
        `label image ${path} has axis '${axis}' of size ${level.shape[i]} (shape [${level.shape.join(', ')}]); ` +
          'only 2-D label images (other axes of size 1) are supported',
      );
    }
  });
  if (!INTEGER_DTYPES.includes(level.dtype)) {
    throw new DtypeError(`label image ${path} has dtype '${level.dtype}'; labels must be integers`);
  }
  const h = image.levelArray(0);
  const shape: [number, number] = [level.shape[yAxis]!, level.shape[xAxis]!];
  const chunks: [number, number] = [level.chunks[yAxis]!, level.chunks[xAxis]!];
  const grid = [Math.ceil(shape[0] / chunks[0]), Math.ceil(shape[1] / chunks[1])];
  const index = names.map(() => 0);

  return {
    path: image.path,
    name,
    ngff: image.ngff,
    shape,
    chunks,
    dtype: level.dtype,
    colors: image.imageLabel?.colors ?? [],
    properties: image.imageLabel?.properties ?? [],
    async readChunk(chunkRow, chunkCol, readOpts = {}) {
      if (
        !Number.isInteger(chunkRow) ||
        !Number.isInteger(chunkCol) ||
        chunkRow < 0 ||
        chunkCol < 0 ||
        chunkRow >= grid[0]! ||
        chunkCol >= grid[1]!
      ) {
        throw new ValueError(
          `chunk (${chunkRow}, ${chunkCol}) is outside the ${grid[0]}×${grid[1]} chunk grid of ${path}`,
        );
      }
      const coords = index.slice();
      coords[yAxis] = chunkRow;
      coords[xAxis] = chunkCol;
      const chunk = await h.readChunk(coords, readOpts.signal);
      if (chunk === null) return null;
      const out = new (outputCtorFor(h.dtype, h.node.path))(chunks[0] * chunks[1]);
      const rowMajor = chunk.stride[xAxis] === 1 && chunk.stride[yAxis] === chunks[1];
      if (rowMajor && chunk.data.constructor === out.constructor && chunk.data.length === out.length) {
        out.set(chunk.data as ArrayLike<number>);
        return out;
      }
      // Other layouts or dtypes (F order, 64-bit): read the chunk's extent as a window.
      return readArrayWindow(
        h,
        {
          yAxis,
          xAxis,
          index,
          row0: chunkRow * chunks[0],
          rows: chunks[0],
          col0: chunkCol * chunks[1],
          cols: chunks[1],
        },
        readOpts.signal,
      );
    },
    async readWindow(row0, col0, rows, cols, readOpts = {}) {
      const ok =
        [row0, col0, rows, cols].every((v) => Number.isInteger(v) && v >= 0) &&
        row0 + rows <= shape[0] &&
        col0 + cols <= shape[1];
      if (!ok) {
        throw new ValueError(
          `window rows [${row0}, ${row0 + rows}) × cols [${col0}, ${col0 + cols}) is outside the label image ` +
            `${path} of shape [${shape.join(', ')}]`,
        );
      }
      return readArrayWindow(h, { yAxis, xAxis, index, row0, rows, col0, cols }, readOpts.signal);
    },
  };
}
