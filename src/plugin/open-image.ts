/**
 * Opens the OME-Zarr image a viewer shows: validates it with the engine's reader first (NGFF 0.4 /
 * 0.5 metadata, every level present, a dtype the viewer can draw, 2× pyramid steps), so a malformed
 * store fails with a message that names the key, then builds Viv's pixel sources on the same store
 * and measures initial contrast limits on the smallest level.
 */
import { loadOmeZarrFromStore, type ZarrPixelSource } from '@hms-dbmi/viv';
import { DtypeError, MetadataError } from '../engine/errors.ts';
import { type OmeZarrImage, openOmeZarr, type ReadableStore } from '../engine/io/index.ts';

/** dtypes Viv's textures support (no 64-bit integers). */
const DRAWABLE = new Set(['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'float32', 'float64']);

export interface OpenedImage {
  image: OmeZarrImage;
  loader: ZarrPixelSource<string[]>[];
  /** `[rows, cols]` of the full-resolution level */
  shape: [number, number];
  /** axis names of the arrays (e.g. `['c', 'y', 'x']`) */
  labels: string[];
  /** size of each non-y/x axis */
  extraAxes: { name: string; size: number }[];
  channels: number;
  /** per channel [low, high] contrast limits from the smallest level (0.5 / 99.5 percentiles) */
  contrast: [number, number][];
  /** per channel full range of the smallest level */
  range: [number, number][];
}

export async function openImage(store: ReadableStore, signal?: AbortSignal): Promise<OpenedImage> {
  const image = await openOmeZarr(store, { signal });
  const names = image.axes.map((a) => a.name);
  const yAxis = names.indexOf('y');
  const xAxis = names.indexOf('x');
  if (yAxis < 0 || xAxis < 0) {
    throw new MetadataError(`the image axes [${names.join(', ')}] have no 'y' and 'x'`);
  }
  for (const [i, level] of image.levels.entries()) {
    if (!DRAWABLE.has(level.dtype)) {
      throw new DtypeError(
        `level ${i} ('${level.path}') has dtype ${level.dtype}; the viewer draws ${[...DRAWABLE].join(', ')}`,
      );
    }
    if (i > 0) {
      const prev = image.levels[i - 1]!;
      const expect = [Math.ceil(prev.shape[yAxis]! / 2), Math.ceil(prev.shape[xAxis]! / 2)];
      const got = [level.shape[yAxis]!, level.shape[xAxis]!];
      if (Math.abs(expect[0]! - got[0]!) > 1 || Math.abs(expect[1]! - got[1]!) > 1) {
        throw new MetadataError(
          `level ${i} ('${level.path}') is [${got.join(', ')}], not half of level ${i - 1} [${prev.shape[yAxis]}, ${prev.shape[xAxis]}]: the viewer needs 2× pyramid steps`,
        );
      }
    }
  }
  const { data } = await loadOmeZarrFromStore(store as Parameters<typeof loadOmeZarrFromStore>[0]);
  const base = image.levels[0]!;
  const extraAxes = names
    .map((name, i) => ({ name, size: base.shape[i]! }))
    .filter((a) => a.name !== 'y' && a.name !== 'x');
  const cAxis = extraAxes.find((a) => a.name === 'c');
  const channels = cAxis?.size ?? 1;
  const last = image.levels.length - 1;
  const contrast: [number, number][] = [];
  const range: [number, number][] = [];
  for (let c = 0; c < Math.min(channels, 8); c++) {
    const selection: Record<string, number> = {};
    for (const a of extraAxes) selection[a.name] = a.name === 'c' ? c : Math.floor(a.size / 2);
    let lo = 0;
    let hi = 1;
    let min = 0;
    let max = 1;
    try {
      const raster = await image.readLevel(last, { selection, signal });
      const sorted = Float64Array.from(raster.data as ArrayLike<number>).sort();
      if (sorted.length > 0) {
        min = sorted[0]!;
        max = sorted[sorted.length - 1]!;
        lo = sorted[Math.floor(0.005 * (sorted.length - 1))]!;
        hi = sorted[Math.ceil(0.995 * (sorted.length - 1))]!;
      }
    } catch {
      // a corrupt chunk in the smallest level: keep default limits; tiles report their own errors
    }
    if (hi <= lo) hi = lo + 1;
    if (max <= min) max = min + 1;
    contrast.push([lo, hi]);
    range.push([min, max]);
  }
  return {
    image,
    loader: data,
    shape: [base.shape[yAxis]!, base.shape[xAxis]!],
    labels: names,
    extraAxes,
    channels,
    contrast,
    range,
  };
}
