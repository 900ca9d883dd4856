/**
 * The velocity field the suppressed Euler integration follows, Omnipose 1.0.6
 * `omnipose.core.div_rescale(dP, iscell) / rescale`:
 *
 * 1. the predicted flow is zeroed off the foreground and normalised to unit length where it is
 *    non-zero (`utils.normalize_field`, zero vectors stay zero);
 * 2. its divergence `∂v_y/∂y + ∂v_x/∂x` is taken with `np.gradient` (central differences inside,
 *    one-sided differences on the first and last row/column), over the whole image;
 * 3. the divergence is mapped to [0, 1] between its 0.01st and 99.99th percentiles
 *    (`utils.normalize99`, clipped), and the unit field is scaled by it and divided by `rescale`.
 *
 * Pixels near a cell's edge, where the field diverges, move fastest; pixels converging on the
 * skeleton slow down. Arithmetic is float32 step by step as NumPy does it (1.26, value-based
 * casting: the float64 percentiles enter the float32 arrays as float32).
 *
 * Output is interleaved `[vy, vx]` per pixel so that the sampler reads one cache line per corner.
 */
import { percentiles } from '../infer/percentile.ts';

export interface EulerField {
  /** `field[2·i]` = v_y, `field[2·i + 1]` = v_x at flat pixel index i (row-major) */
  field: Float32Array;
  /** the divergence values mapped to 0 and 1 (the 0.01st and 99.99th percentiles, or as given) */
  divergenceRange: [number, number];
}

const f32 = Math.fround;

/**
 * `flow` is `[2, rows, cols]` (dy plane, then dx plane); `mask` marks the foreground.
 * `divergenceRange` replaces the percentiles (for tiles that should share one normalisation).
 */
export function eulerField(
  flow: Float32Array,
  mask: Uint8Array,
  rows: number,
  cols: number,
  rescale: number,
  divergenceRange?: [number, number],
): EulerField {
  const n = rows * cols;
  const field = unitField(flow, mask, n);
  const div = divergence(field, rows, cols);
  let lo: number;
  let hi: number;
  if (divergenceRange) [lo, hi] = divergenceRange;
  else [lo, hi] = percentiles(div, [0.01, 99.99]) as [number, number];
  const lo32 = f32(lo);
  const span32 = f32(hi - lo);
  // NumPy would give NaN (0/0) for a constant divergence; a unit speed keeps the result defined
  const degenerate = !(span32 > 0);
  const inv = 1 / rescale;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const s = degenerate ? 1 : Math.min(1, Math.max(0, f32(f32(div[i]! - lo32) / span32)));
    const k = 2 * i;
    if (rescale === 1) {
      field[k] = field[k]! * s;
      field[k + 1] = field[k + 1]! * s;
    } else {
      field[k] = f32(field[k]! * s) * inv;
      field[k + 1] = f32(field[k + 1]! * s) * inv;
    }
  }
  return { field, divergenceRange: [lo, hi] };
}

/** `utils.normalize_field(dP * mask)`: interleaved unit vectors, zero off the mask and where 0. */
export function unitField(flow: Float32Array, mask: Uint8Array, n: number): Float32Array {
  const field = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const vy = flow[i]!;
    const vx = flow[n + i]!;
    const mag = f32(Math.sqrt(f32(f32(vy * vy) + f32(vx * vx))));
    if (mag > 0) {
      field[2 * i] = vy / mag;
      field[2 * i + 1] = vx / mag;
    }
  }
  return field;
}

/**
 * `np.gradient(v_y, axis=0) + np.gradient(v_x, axis=1)` in float32 on the interleaved field.
 * An axis of length 1 contributes 0 (NumPy would refuse such an array).
 */
export function divergence(field: Float32Array, rows: number, cols: number): Float32Array {
  const n = rows * cols;
  const out = new Float32Array(n);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      let gy = 0;
      if (rows > 1) {
        if (r === 0) gy = f32(field[2 * (i + cols)]! - field[2 * i]!);
        else if (r === rows - 1) gy = f32(field[2 * i]! - field[2 * (i - cols)]!);
        else gy = f32(field[2 * (i + cols)]! - field[2 * (i - cols)]!) / 2;
      }
      let gx = 0;
      if (cols > 1) {
        if (c === 0) gx = f32(field[2 * i + 3]! - field[2 * i + 1]!);
        else if (c === cols - 1) gx = f32(field[2 * i + 1]! - field[2 * i - 1]!);
        else gx = f32(field[2 * i + 3]! - field[2 * i - 1]!) / 2;
      }
      out[i] = gy + gx;
    }
  }
  return out;
}
