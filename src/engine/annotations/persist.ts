/**
 * Saving and loading the annotation store: as an OME-Zarr label image (`labels/annotations`,
 * NGFF 0.4 or 0.5, chunk = tile, only painted tiles stored, `image-label` colours for the codes),
 * and as a dense PNG or TIFF code image for small canvases.
 */
import { DtypeError, ShapeError, ValueError } from '../errors.ts';
import {
  createLabelImage,
  type NgffVersion,
  openLabelImage,
  type ReadableStore,
  readImage,
  type WritableStore,
  writePng,
  writeTiff,
} from '../io/index.ts';
import { CODE_COLORS, checkCodes } from '../targets/codes.ts';
import type { Raster } from '../types.ts';
import { AnnotationStore } from './annotation-store.ts';
import type { TileIndex } from './tile-grid.ts';

/** Largest canvas exported or imported as a single dense image (256 Mpx). */
export const MAX_DENSE_PIXELS = 1 << 28;

export interface SaveOptions {
  ngff: NgffVersion;
  /** label name, default `annotations` */
  name?: string;
  /** store path of the image group, default the root */
  imageName?: string;
  /** only these tiles (e.g. the ones changed since the last autosave); default every painted tile */
  tiles?: TileIndex[];
  signal?: AbortSignal;
}

/**
 * Writes the annotations into `labels/<name>`. Tiles listed in `tiles` that are now empty are
 * written as zeros, which removes their chunk, so an incremental save mirrors undo too.
 */
export async function saveAnnotations(
  annotations: AnnotationStore,
  store: WritableStore,
  options: SaveOptions,
): Promise<{ written: number; empty: number }> {
  const s = annotations.tileSize;
  const writer = await createLabelImage(store, {
    name: options.name ?? 'annotations',
    shape: annotations.shape,
    chunks: [s, s],
    dtype: 'uint8',
    ngff: options.ngff,
    colors: CODE_COLORS.map((c) => ({ labelValue: c.labelValue, rgba: [...c.rgba] })),
    properties: [
      { 'label-value': 1, name: 'background' },
      { 'label-value': 2, name: 'cell' },
      { 'label-value': 3, name: 'boundary' },
    ],
    imageName: options.imageName,
    signal: options.signal,
  });
  const zeros = new Uint8Array(s * s);
  for (const t of options.tiles ?? annotations.tiles()) {
    options.signal?.throwIfAborted();
    const data = annotations.readTile(t.tileRow, t.tileCol) ?? zeros;
    await writer.writeChunk(t.tileRow, t.tileCol, data, { signal: options.signal });
  }
  return writer.finish();
}

/**
 * Loads `labels/<name>` into a new store whose tiles match the label image's chunks (square
 * chunks) or `tileSize` otherwise. Values must be codes 0-3 of an unsigned integer label image.
 */
export async function loadAnnotations(
  store: ReadableStore,
  options: { name?: string; imageName?: string; tileSize?: number; signal?: AbortSignal } = {},
): Promise<AnnotationStore> {
  const name = options.name ?? 'annotations';
  const labels = await openLabelImage(store, name, { imageName: options.imageName, signal: options.signal });
  const [ch, cw] = labels.chunks;
  const square = ch === cw && ch >= 8 && ch <= 4096;
  const tileSize = options.tileSize ?? (square ? ch : 256);
  const result = new AnnotationStore({ shape: labels.shape, tileSize });
  const [rows, cols] = labels.shape;
  const tiles: { tileRow: number; tileCol: number; data: Uint8Array }[] = [];
  for (let tr = 0; tr * tileSize < rows; tr++) {
    for (let tc = 0; tc * tileSize < cols; tc++) {
      options.signal?.throwIfAborted();
      const h = Math.min(tileSize, rows - tr * tileSize);
      const w = Math.min(tileSize, cols - tc * tileSize);
      const src =
        square && tileSize === ch
          ? await labels.readChunk(tr, tc, { signal: options.signal })
          : await labels.readWindow(tr * tileSize, tc * tileSize, h, w, { signal: options.signal });
      if (!src) continue;
      const srcCols = square && tileSize === ch ? tileSize : w;
      const data = new Uint8Array(tileSize * tileSize);
      let any = false;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = src[y * srcCols + x]!;
          if (v !== 0) {
            if (!(Number.isInteger(v) && v >= 0 && v <= 3)) {
              throw new ValueError(
                `labels/${name}: value ${v} at (row ${tr * tileSize + y}, col ${tc * tileSize + x}) is not an annotation code 0-3`,
              );
            }
            any = true;
          }
          data[y * tileSize + x] = v;
        }
      }
      if (any) tiles.push({ tileRow: tr, tileCol: tc, data });
    }
  }
  if (tiles.length > 0) result.writeTiles(tiles, 'import', { undoable: false });
  return result;
}

function denseShapeCheck(shape: [number, number]): void {
  if (shape[0] * shape[1] > MAX_DENSE_PIXELS) {
    throw new ShapeError(
      `a dense export of shape [${shape.join(', ')}] exceeds ${MAX_DENSE_PIXELS} pixels; save as OME-Zarr instead`,
    );
  }
}

/** The whole canvas as one dense code raster. */
export function annotationsToRaster(annotations: AnnotationStore): Raster<Uint8Array> {
  denseShapeCheck(annotations.shape);
  return annotations.readWindow(0, 0, annotations.shape[0], annotations.shape[1]);
}

/** A new store holding a dense code raster (values 0-3, Uint8). */
export function annotationsFromRaster(codes: Raster, tileSize = 256): AnnotationStore {
  const checked = checkCodes(codes, 'annotationsFromRaster');
  const [rows, cols] = checked.shape;
  denseShapeCheck([rows, cols]);
  const result = new AnnotationStore({ shape: [rows, cols], tileSize });
  const tiles: { tileRow: number; tileCol: number; data: Uint8Array }[] = [];
  for (let tr = 0; tr * tileSize < rows; tr++) {
    for (let tc = 0; tc * tileSize < cols; tc++) {
      const data = new Uint8Array(tileSize * tileSize);
      let any = false;
      for (let y = 0; y < tileSize && tr * tileSize + y < rows; y++) {
        const start = (tr * tileSize + y) * cols + tc * tileSize;
        const row = checked.data.subarray(start, start + Math.min(tileSize, cols - tc * tileSize));
        data.set(row, y * tileSize);
        if (!any && row.some((v) => v !== 0)) any = true;
      }
      if (any) tiles.push({ tileRow: tr, tileCol: tc, data });
    }
  }
  if (tiles.length > 0) result.writeTiles(tiles, 'import', { undoable: false });
  return result;
}

export function exportAnnotationsImage(annotations: AnnotationStore, format: 'png' | 'tiff'): Uint8Array {
  const raster = annotationsToRaster(annotations);
  return format === 'png' ? writePng(raster) : writeTiff(raster);
}

/** Reads a single-channel PNG/TIFF code image (values 0-3) into a new store. */
export async function importAnnotationsImage(bytes: Uint8Array, name = 'annotations', tileSize = 256) {
  const image = await readImage(bytes, name);
  const [rows, cols, channels] = image.shape;
  if (channels !== 1) {
    throw new ShapeError(
      `${name}: an annotation image must have one channel, got shape [${image.shape.join(', ')}]`,
    );
  }
  const data = image.data;
  if (data instanceof Float32Array || data instanceof Float64Array) {
    throw new DtypeError(`${name}: annotation codes must be integers, got ${image.sampleType}`);
  }
  const codes = new Uint8Array(rows * cols);
  for (let i = 0; i < codes.length; i++) {
    const v = data[i]!;
    if (v > 3 || v < 0) {
      throw new ValueError(
        `${name}: value ${v} at (row ${Math.floor(i / cols)}, col ${i % cols}) is not a code 0-3`,
      );
    }
    codes[i] = v;
  }
  return annotationsFromRaster({ data: codes, shape: [rows, cols] }, tileSize);
}
