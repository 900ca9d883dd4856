/**
 * Start points of the Euler loss: a bounded random subset of a patch's `eulerStart` pixels
 * (D ∩ cells). Integrating from every pixel of D is what Omnipose/torchvf do on the whole patch;
 * ALGORITHM.md §5 bounds the cost with a random subset, for example 2,048 points per patch.
 *
 * The count of rows is fixed per patch size (`min(maxStarts, rows·cols)`) whatever the number of
 * start pixels, and unused rows are padding with a 0 in the validity mask, so that the tensors of
 * every training step have the same shape (ECOSYSTEM.md §5.1: varying shapes grow GPU memory).
 */
import { ValueError } from '../../errors.ts';
import type { Random } from '../../random.ts';

export interface EulerStarts {
  /** `[count, 2]` row-major (row, col) integer coordinates; padding rows are (0, 0). */
  points: Int32Array;
  /** `[count]`, 1 for a real start point, 0 for padding. */
  valid: Float32Array;
  /** Rows: `min(maxStarts, rows·cols)`. */
  count: number;
  /** Real start points, `min(maxStarts, number of start pixels)`. */
  used: number;
}

/** The number of start-point rows a patch of `rows × cols` pixels gets. */
export function eulerStartRows(rows: number, cols: number, maxStarts: number): number {
  if (!Number.isInteger(maxStarts) || maxStarts < 0) {
    throw new ValueError(`eulerStarts: maxStarts must be a non-negative integer, got ${maxStarts}`);
  }
  return Math.min(maxStarts, rows * cols);
}

/**
 * Picks up to `maxStarts` pixels of the 0/1 `mask` (`[rows, cols]`, row-major) uniformly without
 * replacement (partial Fisher-Yates driven by `random`); all of them, in raster order, when there
 * are no more than `maxStarts`, in which case `random` is not advanced.
 */
export function sampleEulerStarts(
  mask: Uint8Array,
  shape: [number, number],
  maxStarts: number,
  random: Random,
): EulerStarts {
  const [rows, cols] = shape;
  const count = eulerStartRows(rows, cols, maxStarts);
  const candidates: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) candidates.push(i);
  const used = Math.min(count, candidates.length);
  if (candidates.length > count) {
    for (let i = 0; i < used; i++) {
      const j = random.int(i, candidates.length - 1);
      const t = candidates[i]!;
      candidates[i] = candidates[j]!;
      candidates[j] = t;
    }
  }
  const points = new Int32Array(2 * count);
  const valid = new Float32Array(count);
  for (let i = 0; i < used; i++) {
    const p = candidates[i]!;
    points[2 * i] = Math.floor(p / cols);
    points[2 * i + 1] = p % cols;
    valid[i] = 1;
  }
  return { points, valid, count, used };
}
