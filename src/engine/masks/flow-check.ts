/**
 * Optional flow-consistency check, Omnipose 1.0.6 `remove_bad_flow_masks` / `flow_error`: the
 * flows a mask implies are recomputed from the masks and compared with the network's, and a
 * mask is removed when the mean over its pixels of the squared difference
 * `Σ_c (μ_c − dP_c / 5)²` exceeds `threshold` (Omnipose default 0.4; the Sketchpose plugin ran
 * with `flow_threshold = 0`, i.e. off, which is this module's default too).
 *
 * Omnipose recomputes μ with `masks_to_flows` (the gradient of its smooth Eikonal distance,
 * normalised). Here μ is the unit central-difference gradient of the label-aware Euclidean
 * distance (distance to the nearest pixel of another label; the image border is not a boundary),
 * with neighbours of another label read as 0 — the same construction as the training targets
 * (engine/targets), whose flows agree with Omnipose's at a mean cosine of 0.97-0.98.
 */
import { distanceToOtherLabels } from '../edt/index.ts';

/**
 * Zeroes, in place, the masks of `labels` (1..maxLabel) whose flow error exceeds `threshold`;
 * `flow` is the predicted `[2, rows, cols]` (dy, dx), ×5 as the network outputs it.
 */
export function removeBadFlowMasks(
  labels: Int32Array,
  maxLabel: number,
  flow: Float32Array,
  rows: number,
  cols: number,
  threshold: number,
): void {
  const n = rows * cols;
  const { distance } = distanceToOtherLabels({ data: labels, shape: [rows, cols] });
  const error = new Float64Array(maxLabel + 1);
  const size = new Float64Array(maxLabel + 1);
  // neighbour value: own-label distance, 0 for another label, the pixel itself beyond the border
  const at = (i: number, j: number, inside: boolean, l: number): number =>
    !inside ? distance[i]! : labels[j] === l ? distance[j]! : 0;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const l = labels[i]!;
      if (l === 0) continue;
      const gy = at(i, i + cols, r < rows - 1, l) - at(i, i - cols, r > 0, l);
      const gx = at(i, i + 1, c < cols - 1, l) - at(i, i - 1, c > 0, l);
      const norm = Math.hypot(gy, gx);
      const my = norm > 0 ? gy / norm : 0;
      const mx = norm > 0 ? gx / norm : 0;
      const ey = my - flow[i]! / 5;
      const ex = mx - flow[n + i]! / 5;
      error[l] = error[l]! + ey * ey + ex * ex;
      size[l] = size[l]! + 1;
    }
  }
  const bad = new Uint8Array(maxLabel + 1);
  for (let l = 1; l <= maxLabel; l++) if (size[l]! > 0 && error[l]! / size[l]! > threshold) bad[l] = 1;
  for (let i = 0; i < n; i++) if (bad[labels[i]!] === 1) labels[i] = 0;
}
