/**
 * Grouping of the final positions for cells larger than the diameter threshold, the `else`
 * branch of Omnipose 1.0.6 `omnipose.core.get_masks`:
 *
 * 1. round every final position to the nearest pixel (`np.rint`, half to even) and mark those
 *    pixels (the "skeleton" mask);
 * 2. border rule, only with a boundary output (`nclasses == 4` in Omnipose): in the band of
 *    `width` (5) pixels along the image border (`binary_dilation(zeros, border_value=1,
 *    iterations=5)`), unmark skeleton pixels whose own boundary logit is above `threshold` (−1).
 *    The test is on the skeleton pixel, not on the pixel that travelled there, and it splits
 *    skeletons that touch at the image edge where no flow separates them. Without a boundary
 *    output Omnipose 1.0.6 does nothing here;
 * 3. label the skeleton 8-connected (`measure.label(connectivity=2)`) and give every foreground
 *    pixel the label found at its rounded final position (0 where that position was unmarked).
 */
import { connectedComponents } from '../targets/components.ts';

export interface BorderRule {
  /** boundary logits `[rows, cols]` */
  boundary: Float32Array;
  /** band width in pixels; Omnipose: 5 */
  width: number;
  /** skeleton pixels in the band with a logit above this are removed; Omnipose: −1 */
  threshold: number;
}

/** `np.rint`: nearest integer, ties to even. */
export function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Labels `[rows, cols]` (0 off the foreground) and their count, labels 1..count. */
export function groupByRounding(
  positions: Float32Array,
  pixels: Int32Array,
  rows: number,
  cols: number,
  border?: BorderRule,
): { labels: Int32Array; count: number } {
  const n = rows * cols;
  const target = new Int32Array(pixels.length);
  const skeleton = new Uint8Array(n);
  for (let j = 0; j < pixels.length; j++) {
    const i = rint(positions[2 * j]!) * cols + rint(positions[2 * j + 1]!);
    target[j] = i;
    skeleton[i] = 1;
  }
  if (border) clearBorderBand(skeleton, rows, cols, border);
  const components = connectedComponents({ data: skeleton, shape: [rows, cols] }, 8);
  const labels = new Int32Array(n);
  for (let j = 0; j < pixels.length; j++) labels[pixels[j]!] = components.labels[target[j]!]!;
  return { labels, count: components.count };
}

/** Step 2: unmark skeleton pixels with a high boundary logit within `width` of the border. */
function clearBorderBand(skeleton: Uint8Array, rows: number, cols: number, rule: BorderRule): void {
  const { boundary, width, threshold } = rule;
  for (let r = 0; r < rows; r++) {
    const inRowBand = r < width || r >= rows - width;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      if (!inRowBand && c >= width && c < cols - width) {
        c = cols - width - 1; // jump over the interior of this row
        continue;
      }
      const i = base + c;
      if (skeleton[i] === 1 && boundary[i]! > threshold) skeleton[i] = 0;
    }
  }
}
