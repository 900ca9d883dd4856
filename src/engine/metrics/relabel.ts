/**
 * Sequential relabelling: map the distinct non-zero labels of an image, in increasing order, to
 * `1..count`, keeping `0` as background. This is what StarDist's `matching` does first
 * (`relabel_sequential`, copied there from scikit-image), so that object `k` of the overlap and
 * IoU matrices is the `k`-th smallest original label.
 *
 * @example
 * ```ts
 * const { raster, count, originalLabels } = relabelSequential({
 *   data: new Int32Array([0, 42, 42, 5, 0, 99]),
 *   shape: [2, 3],
 * });
 * // raster.data = [0, 2, 2, 1, 0, 3], count = 3, originalLabels = [0, 5, 42, 99]
 * ```
 */
import type { Raster } from '../types.ts';
import { assertLabelRaster, type LabelArray } from './label-raster.ts';

export interface SequentialLabels {
  /** labels `1..count` in the order of the original labels, `0` background */
  raster: Raster<Uint32Array>;
  /** number of distinct non-zero labels */
  count: number;
  /** `originalLabels[k]` is the original label of new label `k` (`originalLabels[0] = 0`) */
  originalLabels: Uint32Array;
}

/**
 * A dense lookup table is the fast path when the largest label is not much bigger than the image;
 * beyond this many entries (or 4× the pixel count) the unique labels are sorted instead.
 */
const DENSE_TABLE_LIMIT = 1 << 22;

function maxLabel(data: LabelArray): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  return max;
}

/** Relabels `raster` to `1..count` (see the module doc). Throws as {@link assertLabelRaster}. */
export function relabelSequential(raster: Raster, name = 'labels'): SequentialLabels {
  assertLabelRaster(raster, name);
  const { data, shape } = raster;
  const out = new Uint32Array(data.length);
  const max = maxLabel(data);
  if (max + 1 <= Math.max(DENSE_TABLE_LIMIT, 4 * data.length)) {
    // mark the labels present, number them in increasing order, then map every pixel
    const table = new Uint32Array(max + 1);
    for (let i = 0; i < data.length; i++) table[data[i]!] = 1;
    table[0] = 0; // background stays 0
    let count = 0;
    for (let label = 1; label <= max; label++) if (table[label] !== 0) table[label] = ++count;
    const originalLabels = new Uint32Array(count + 1);
    for (let label = 1; label <= max; label++) if (table[label] !== 0) originalLabels[table[label]!] = label;
    for (let i = 0; i < data.length; i++) out[i] = table[data[i]!]!;
    return { raster: { data: out, shape: [shape[0], shape[1]] }, count, originalLabels };
  }
  // sparse, very large ids (a Uint32 image with ids near 2^32): sort the distinct labels
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data[i]! !== 0) seen.add(data[i]!);
  const sorted = Float64Array.from(seen).sort();
  const originalLabels = new Uint32Array(sorted.length + 1);
  originalLabels.set(sorted, 1);
  const index = new Map<number, number>();
  for (let k = 0; k < sorted.length; k++) index.set(sorted[k]!, k + 1);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! === 0 ? 0 : index.get(data[i]!)!;
  return { raster: { data: out, shape: [shape[0], shape[1]] }, count: sorted.length, originalLabels };
}
