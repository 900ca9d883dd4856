/**
 * The exact 2-D transform on a rectangle of a raster: column pass (`column-pass.ts`), then per
 * row the candidates pruned by `hull-filter.ts` and the lower envelope (`envelope.ts`), after
 * Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", Theory of Computing 8
 * (2012). O(rows · cols).
 *
 * Seeds anywhere in the raster count; only the output is restricted: the column pass runs over
 * the rows down to the region's last one (and records the seeds below it), the envelope is built
 * for the region's rows only and written for its columns only. Callers that need distances on
 * part of a window (the training targets) skip the rest.
 */
import { ColumnSeeds, type SeedRule } from './column-pass.ts';
import {
  buildEnvelope,
  fillRow,
  fillRowWithFeature,
  type RowOutput,
  RowScratch,
  type RowSeeds,
} from './envelope.ts';
import { denseCandidates, filterRounds, listedCandidates } from './hull-filter.ts';

/** Rows `rowStart .. rowEnd − 1` and columns `colStart .. colEnd − 1`. */
export interface Region {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

export interface RegionTransform {
  /** distance to the nearest seed, region-sized, row-major; `+Infinity` without seeds */
  distance: Float32Array;
  /** flat raster index of a nearest seed, `−1` without seeds; present when requested */
  feature: Int32Array | undefined;
}

export function transformRegion(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  rule: SeedRule,
  region: Region,
  withFeature: boolean,
): RegionTransform {
  const { rowStart, rowEnd, colStart, colEnd } = region;
  const width = colEnd - colStart;
  const size = (rowEnd - rowStart) * width;
  const distance = new Float32Array(size);
  const feature = withFeature ? new Int32Array(size) : undefined;
  if (size === 0) return { distance, feature };
  const columns = new ColumnSeeds(data, rows, cols, rowEnd, rule);
  const { above, below } = columns;
  const seeded = new Int32Array(cols);
  const count = columns.seededColumns(seeded);
  if (count === 0) {
    columns.release();
    distance.fill(Number.POSITIVE_INFINITY);
    feature?.fill(-1);
    return { distance, feature };
  }
  // Columns without a seed are far parabolas that never own a pixel (column-pass.ts), so all
  // columns can go through the cheaper dense first round unless most of them hold no seed.
  const dense = 2 * count >= cols;
  const s = new RowScratch(cols);
  const out: RowOutput = { distance, offset: 0, colStart, colEnd };
  const rowSeeds: RowSeeds = { above, aboveBase: 0, below, row: 0, cols };
  for (let r = rowEnd - 1; r >= rowStart; r--) {
    const base = r * cols;
    columns.enterRow(r);
    const m0 = dense
      ? denseCandidates(above, base, r, below, cols, s.candidates, s.heights)
      : listedCandidates(above, base, r, below, seeded, count, s.candidates, s.heights);
    const m = filterRounds(s.candidates, s.heights, m0, dense ? cols : count);
    const k = buildEnvelope(s, m);
    out.offset = (r - rowStart) * width - colStart;
    if (feature) {
      rowSeeds.aboveBase = base;
      rowSeeds.row = r;
      fillRowWithFeature(s, k, out, feature, rowSeeds);
    } else {
      fillRow(s, k, out);
    }
  }
  columns.release();
  return { distance, feature };
}
