/**
 * Tile-wise mask reconstruction with stitching, for images too large for one pass (ALGORITHM.md
 * §6, whole-slide). The idea is Cellpose's distributed segmentation (`cellpose.contrib.
 * distributed_segmentation`: segment overlapping blocks independently, then merge the labels that
 * meet across block boundaries with a union-find over label pairs); the rule here is:
 *
 * 1. tiles of `tile` pixels overlap by at least `overlap` pixels, which should be at least one
 *    cell diameter (plus the ≈ 6 px an Euler trajectory travels) so that every object crossing
 *    a cut lies whole in both tiles;
 * 2. each tile is reconstructed on its own with `computeMasks`;
 * 3. every pixel takes its label from the tile whose centre is nearest (`tile-plan.ts`), so a
 *    pixel's label comes from the tile where it is furthest from the tile edge;
 * 4. tiles are processed in raster order; in the part of a tile already owned by earlier tiles
 *    (the shared margin), each pair (stitched label, tile label) is counted, and two labels whose
 *    IoU *within that margin* is at least `matchThreshold` (0.5) are united. IoU, not overlap
 *    fraction, so that one bad tile label never joins two stitched objects;
 * 5. a final pass replaces every label by its union-find root, numbered 1..count by first
 *    appearance.
 *
 * Image-wide decisions are taken once, as a single pass takes them: by default a first pass
 * over the tiles (`statistics: 'image'`, `tile-statistics.ts`) computes the divergence
 * percentiles of the flow normalisation and the mean diameter of the DBSCAN switch from the
 * owned pixels; every tile then uses them. That reads each tile twice; with an expensive source
 * pass `divergenceRange` and `cluster` yourself, or `statistics: 'tile'` for per-tile values
 * (then a few masks near the size limit can differ from the single pass).
 *
 * Memory: the output label image, one tile's fields and masks, per-axis ownership, the two
 * percentile tails (10⁻⁴ of the pixels) and a union-find over the labels (one int32 each);
 * nothing else grows with the image.
 */
import { ShapeError, ValueError } from '../errors.ts';
import { computeMasks, type PredictedFields } from './compute-masks.ts';
import type { MaskOptions } from './options.ts';
import { type AxisPlan, axisPlan, ownerIndex } from './tile-plan.ts';
import { StatisticsAccumulator } from './tile-statistics.ts';
import { UnionFind } from './union-find.ts';

export interface TileWindow {
  row: number;
  col: number;
  rows: number;
  cols: number;
}

/** Where the network outputs come from: a tile at a time (a model run, a store read). */
export interface FieldSource {
  shape: [number, number];
  read(window: TileWindow, signal?: AbortSignal): PredictedFields | Promise<PredictedFields>;
}

export interface StitchOptions extends MaskOptions {
  /** tile side in pixels. @default 512 */
  tile?: number;
  /** minimum overlap between neighbouring tiles, ≥ one cell diameter. @default 64 */
  overlap?: number;
  /** IoU in the shared margin above which two labels are united. @default 0.5 */
  matchThreshold?: number;
  /** image-wide normalisation and DBSCAN decision (a first pass), or per tile. @default 'image' */
  statistics?: 'image' | 'tile';
  signal?: AbortSignal;
  onProgress?: (tilesDone: number, tilesTotal: number) => void;
}

export interface StitchedMasks {
  labels: Int32Array;
  count: number;
  shape: [number, number];
  tiles: number;
}

export async function computeMasksTiled(
  source: FieldSource,
  options: StitchOptions = {},
): Promise<StitchedMasks> {
  const [rows, cols] = source.shape;
  const tile = options.tile ?? 512;
  const threshold = options.matchThreshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1))
    throw new ValueError(`matchThreshold must be in (0, 1], got ${threshold}`);
  const rowPlan = axisPlan(rows, tile, options.overlap ?? 64);
  const colPlan = axisPlan(cols, tile, options.overlap ?? 64);
  const rowOwner = ownerIndex(rowPlan, rows);
  const colOwner = ownerIndex(colPlan, cols);
  const tileOptions = await imageWideOptions(source, rowPlan, colPlan, options);
  const out = new Int32Array(rows * cols);
  const sets = new UnionFind();
  const total = rowPlan.starts.length * colPlan.starts.length;
  let done = 0;
  for (let ti = 0; ti < rowPlan.starts.length; ti++) {
    for (let tj = 0; tj < colPlan.starts.length; tj++) {
      options.signal?.throwIfAborted();
      const window = {
        row: rowPlan.starts[ti]!,
        col: colPlan.starts[tj]!,
        rows: rowPlan.size,
        cols: colPlan.size,
      };
      const fields = await readTile(source, window, options.signal);
      const local = computeMasks(fields, tileOptions);
      const offset = sets.add(local.count);
      // shared margin: pixels of this window owned by an earlier tile (raster order)
      const pairs = new Map<number, number>();
      const stitchedArea = new Map<number, number>();
      const localArea = new Int32Array(local.count + 1);
      for (let y = 0; y < window.rows; y++) {
        const r = window.row + y;
        const ro = rowOwner[r]!;
        for (let x = 0; x < window.cols; x++) {
          const c = window.col + x;
          const co = colOwner[c]!;
          if (ro > ti || (ro === ti && co >= tj)) continue;
          const g = out[r * cols + c]!;
          const l = local.labels[y * window.cols + x]!;
          if (g > 0) stitchedArea.set(g, (stitchedArea.get(g) ?? 0) + 1);
          if (l > 0) localArea[l]!++;
          if (g > 0 && l > 0) {
            const key = g * (local.count + 1) + l;
            pairs.set(key, (pairs.get(key) ?? 0) + 1);
          }
        }
      }
      for (const [key, inter] of pairs) {
        const l = key % (local.count + 1);
        const g = (key - l) / (local.count + 1);
        const union = stitchedArea.get(g)! + localArea[l]! - inter;
        if (inter / union >= threshold) sets.union(g, offset + l);
      }
      // write the pixels this tile owns
      for (let r = rowPlan.ownStart[ti]!; r < rowPlan.ownEnd[ti]!; r++) {
        const y = r - window.row;
        for (let c = colPlan.ownStart[tj]!; c < colPlan.ownEnd[tj]!; c++) {
          const l = local.labels[y * window.cols + (c - window.col)]!;
          out[r * cols + c] = l > 0 ? offset + l : 0;
        }
      }
      options.onProgress?.(++done, total);
    }
  }
  const count = sets.relabel(out);
  return { labels: out, count, shape: [rows, cols], tiles: total };
}

async function readTile(
  source: FieldSource,
  window: TileWindow,
  signal?: AbortSignal,
): Promise<PredictedFields> {
  signal?.throwIfAborted();
  const fields = await source.read(window, signal);
  signal?.throwIfAborted();
  if (fields.shape[0] !== window.rows || fields.shape[1] !== window.cols) {
    throw new ShapeError(
      `computeMasksTiled: the source returned fields of shape [${fields.shape.join(', ')}] for a ` +
        `[${window.rows}, ${window.cols}] window at (row ${window.row}, col ${window.col})`,
    );
  }
  return fields;
}

/** The options every tile gets: image-wide divergence range, DBSCAN decision and step count. */
async function imageWideOptions(
  source: FieldSource,
  rowPlan: AxisPlan,
  colPlan: AxisPlan,
  options: StitchOptions,
): Promise<MaskOptions> {
  const single = rowPlan.starts.length === 1 && colPlan.starts.length === 1;
  if ((options.statistics ?? 'image') === 'tile' || single) return options;
  const needRange = options.divergenceRange === undefined;
  const needDiameter =
    (options.cluster ?? 'auto') === 'auto' || (options.cluster === true && options.niter === undefined);
  if (!needRange && !needDiameter) return options;
  const acc = new StatisticsAccumulator(source.shape[0] * source.shape[1]);
  for (let ti = 0; ti < rowPlan.starts.length; ti++) {
    for (let tj = 0; tj < colPlan.starts.length; tj++) {
      const window = {
        row: rowPlan.starts[ti]!,
        col: colPlan.starts[tj]!,
        rows: rowPlan.size,
        cols: colPlan.size,
      };
      const fields = await readTile(source, window, options.signal);
      acc.add(
        fields,
        options.maskThreshold ?? 0,
        rowPlan.ownStart[ti]! - window.row,
        rowPlan.ownEnd[ti]! - window.row,
        colPlan.ownStart[tj]! - window.col,
        colPlan.ownEnd[tj]! - window.col,
      );
    }
  }
  const stats = acc.finish();
  const out: MaskOptions = { ...options, divergenceRange: options.divergenceRange ?? stats.divergenceRange };
  if ((options.cluster ?? 'auto') === 'auto') {
    out.cluster = stats.meanDiameter <= (options.diamThreshold ?? 12);
    out.niter = options.niter ?? 200; // the automatic switch keeps the default step count
  } else if (options.cluster === true && options.niter === undefined) {
    // compute_masks: an explicit cluster=True runs int(diameters(iscell, dist)) steps
    out.niter = Math.floor(stats.positiveMeanDiameter);
  }
  return out;
}

/** A source over fields already in memory (tests, moderate images): copies each window. */
export function fieldsSource(fields: PredictedFields): FieldSource {
  const [rows, cols] = fields.shape;
  const n = rows * cols;
  return {
    shape: [rows, cols],
    read(w: TileWindow): PredictedFields {
      const m = w.rows * w.cols;
      const distance = new Float32Array(m);
      const flow = new Float32Array(2 * m);
      const boundary = fields.boundary ? new Float32Array(m) : undefined;
      for (let y = 0; y < w.rows; y++) {
        const src = (w.row + y) * cols + w.col;
        const dst = y * w.cols;
        distance.set(fields.distance.subarray(src, src + w.cols), dst);
        flow.set(fields.flow.subarray(src, src + w.cols), dst);
        flow.set(fields.flow.subarray(n + src, n + src + w.cols), m + dst);
        boundary?.set(fields.boundary!.subarray(src, src + w.cols), dst);
      }
      return boundary
        ? { shape: [w.rows, w.cols], distance, flow, boundary }
        : { shape: [w.rows, w.cols], distance, flow };
    },
  };
}
