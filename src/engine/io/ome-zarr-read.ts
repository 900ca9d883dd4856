/**
 * Opening an OME-Zarr image (NGFF 0.4 on Zarr v2, NGFF 0.5 on Zarr v3) and reading a level, or a
 * window of it, as a 2-D raster.
 *
 * `openOmeZarr` validates the multiscales metadata (see `ngff-metadata.ts`) and every level's
 * array: it must exist, have one dimension per axis and, for 0.5, `dimension_names` equal to the
 * axis names. Levels are listed largest first with shape, chunks, dtype and scale.
 *
 * @example
 * const image = await openOmeZarr(store);                      // the image at the store root
 * image.levels.map((l) => l.shape);                             // [[520, 696], [260, 348], [130, 174]]
 * const tile = await image.readLevel(0, { rows: [0, 256], cols: [256, 512], signal });
 * const plane = await image.readLevel(1, { selection: { c: 0, z: 3 } });
 */
import { MetadataError, NotFoundError, ValueError } from '../errors.ts';
import type { Raster, TypedArray } from '../types.ts';
import {
  type NgffAxis,
  type NgffImageLabel,
  type NgffVersion,
  ngffVersionOf,
  parseImageLabel,
  parseLabelsList,
  parseMultiscales,
} from './ngff-metadata.ts';
import { joinStorePath, type ReadableStore } from './store.ts';
import { openZarrArray, type ZarrArrayHandle } from './zarr-array.ts';
import { omeAttributes, readZarrNode, tryReadZarrNode } from './zarr-node.ts';
import { readArrayWindow } from './zarr-window.ts';

/** One resolution level: its array's geometry and its scale transform. */
export interface OmeZarrLevel {
  /** dataset path relative to the image group (`'0'`) */
  path: string;
  shape: number[];
  chunks: number[];
  /** zarrita data type name (`uint8`, `uint16`, `float32`, …) */
  dtype: string;
  scale: number[];
  translation?: number[];
}

export interface ReadLevelOptions {
  /** `[start, stop)` along `y`; default the whole axis */
  rows?: [number, number];
  /** `[start, stop)` along `x`; default the whole axis */
  cols?: [number, number];
  /** index on each non-`y`/`x` axis (`{ c: 0, z: 3 }`); axes of size 1 default to 0 */
  selection?: Record<string, number>;
  signal?: AbortSignal;
}

export interface OmeZarrImage {
  /** absolute store path of the image group */
  path: string;
  ngff: NgffVersion;
  zarrFormat: 2 | 3;
  name?: string;
  axes: NgffAxis[];
  /** largest to smallest */
  levels: OmeZarrLevel[];
  /** present when the group is a label image */
  imageLabel?: NgffImageLabel;
  /** Read level `level` (0 = full resolution), or a window of it, as a `[rows, cols]` raster. */
  readLevel(level: number, opts?: ReadLevelOptions): Promise<Raster>;
  /** The zarrita-backed handle of a level, for chunk-wise access. */
  levelArray(level: number): ZarrArrayHandle;
}

/** Open the OME-Zarr image group at `opts.path` (default the store root). */
export async function openOmeZarr(
  store: ReadableStore,
  opts: { path?: string; signal?: AbortSignal } = {},
): Promise<OmeZarrImage> {
  const { signal } = opts;
  const node = await readZarrNode(store, opts.path ?? '/', signal);
  if (node.kind !== 'group')
    throw new MetadataError(`expected an OME-Zarr image group at ${node.path}, found an array`);
  const { ome, where } = omeAttributes(node);
  const version = ngffVersionOf(ome, where, node.zarrFormat);
  const ms = parseMultiscales(ome, where, version);
  const axisNames = ms.axes.map((a) => a.name);

  const arrays = await Promise.all(
    ms.datasets.map(async (ds, i) => {
      const arrayPath = joinStorePath(node.path, ds.path);
      let h: ZarrArrayHandle;
      try {
        h = await openZarrArray(store, arrayPath, signal);
      } catch (err) {
        if (err instanceof NotFoundError) {
          throw new MetadataError(
            `'multiscales[0].datasets[${i}].path' = '${ds.path}' in ${where} names no array (${err.message})`,
          );
        }
        throw err;
      }
      if (h.shape.length !== ms.axes.length) {
        throw new MetadataError(
          `array ${arrayPath} has ${h.shape.length} dimensions (shape [${h.shape.join(', ')}]) but ` +
            `'multiscales[0].axes' in ${where} has ${ms.axes.length} ([${axisNames.join(', ')}])`,
        );
      }
      const dims = h.node.array?.dimension_names;
      if (node.zarrFormat === 3 && Array.isArray(dims) && dims.join('/') !== axisNames.join('/')) {
        throw new MetadataError(
          `'dimension_names' [${dims.join(', ')}] of ${arrayPath} do not match the axes [${axisNames.join(', ')}] in ${where}`,
        );
      }
      return h;
    }),
  );

  const levels = ms.datasets.map((ds, i): OmeZarrLevel => {
    const h = arrays[i]!;
    const level: OmeZarrLevel = {
      path: ds.path,
      shape: h.shape,
      chunks: h.chunks,
      dtype: h.dtype,
      scale: ds.scale,
    };
    if (ds.translation) level.translation = ds.translation;
    return level;
  });

  const levelArray = (level: number): ZarrArrayHandle => {
    const h = arrays[level];
    if (!Number.isInteger(level) || h === undefined) {
      throw new ValueError(`level ${level} does not exist: ${node.path} has levels 0..${arrays.length - 1}`);
    }
    return h;
  };

  const image: OmeZarrImage = {
    path: node.path,
    ngff: version,
    zarrFormat: node.zarrFormat,
    axes: ms.axes,
    levels,
    levelArray,
    async readLevel(level, readOpts = {}) {
      const h = levelArray(level);
      const yAxis = axisNames.indexOf('y');
      const xAxis = axisNames.indexOf('x');
      const [row0, row1] = checkRange(readOpts.rows, h.shape[yAxis]!, 'rows', h.shape);
      const [col0, col1] = checkRange(readOpts.cols, h.shape[xAxis]!, 'cols', h.shape);
      const index = selectionIndex(ms.axes, h.shape, readOpts.selection ?? {});
      const data: TypedArray = await readArrayWindow(
        h,
        { yAxis, xAxis, index, row0, rows: row1 - row0, col0, cols: col1 - col0 },
        readOpts.signal,
      );
      return { data, shape: [row1 - row0, col1 - col0] };
    },
  };
  if (ms.name !== undefined) image.name = ms.name;
  const imageLabel = parseImageLabel(ome, where);
  if (imageLabel) image.imageLabel = imageLabel;
  return image;
}

function checkRange(
  range: [number, number] | undefined,
  size: number,
  what: string,
  shape: number[],
): [number, number] {
  if (range === undefined) return [0, size];
  const [start, stop] = range;
  if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop < start || stop > size) {
    throw new ValueError(`${what} [${start}, ${stop}) is outside the level of shape [${shape.join(', ')}]`);
  }
  return [start, stop];
}

/** One index per axis from a named selection; `y`/`x` entries are placeholders (0). */
function selectionIndex(axes: NgffAxis[], shape: number[], selection: Record<string, number>): number[] {
  const names = axes.map((a) => a.name);
  for (const key of Object.keys(selection)) {
    if (!names.includes(key) || key === 'y' || key === 'x') {
      throw new ValueError(`selection axis '${key}' is not a non-y/x axis of [${names.join(', ')}]`);
    }
  }
  return names.map((name, axis) => {
    if (name === 'y' || name === 'x') return 0;
    const size = shape[axis]!;
    const value = selection[name];
    if (value === undefined) {
      if (size === 1) return 0;
      throw new ValueError(
        `axis '${name}' has size ${size}: pass selection.${name} (shape [${shape.join(', ')}])`,
      );
    }
    if (!Number.isInteger(value) || value < 0 || value >= size) {
      throw new ValueError(
        `selection.${name} = ${value} is outside [0, ${size}) (shape [${shape.join(', ')}])`,
      );
    }
    return value;
  });
}

/**
 * The label image names listed in `<path>/labels` (NGFF "labels" group), or `[]` when the image
 * has no labels group.
 */
export async function listLabels(
  store: ReadableStore,
  opts: { path?: string; signal?: AbortSignal } = {},
): Promise<string[]> {
  const node = await tryReadZarrNode(store, joinStorePath(opts.path ?? '/', 'labels'), opts.signal);
  if (node === undefined) return [];
  const { ome, where } = omeAttributes(node);
  return parseLabelsList(ome, where);
}
