/**
 * Suppressed Euler integration of the foreground pixels through the flow, Omnipose 1.0.6
 * `omnipose.core.steps_interp` with `omni=True, suppress=True` (the default path of
 * `follow_flows`, `niter = 200`):
 *
 *   u₀ = v(p₀);  for t = 0 … niter−1:  u_t = (v(p_t) + u_{t−1}) / 2,  p_{t+1} = clamp(p_t + u_t / (1 + t))
 *
 * `v` is sampled bilinearly with `torch.nn.functional.grid_sample(align_corners=True)` in
 * grid_sample's normalised coordinates ([−1, 1] across the image, flows scaled by 2/(L − 1)),
 * and positions are clamped to [−1, 1]. The arithmetic reproduces PyTorch's CPU kernel step by
 * step in float32 (`GridSamplerKernel.cpp`: `(x + 1)·((L − 1)/2)`, corner weights `s·e, s·w, n·e,
 * n·w`, the weighted sum with fused multiply-adds as the AVX2 build contracts them), so the final
 * positions equal Omnipose's on CPU bit for bit on the test images (tests/fixtures/masks). That
 * matters where positions tie: points that do not move sit exactly √2 apart, DBSCAN's radius.
 *
 * Points are independent: they are integrated in blocks of 64, all steps of a block before the
 * next block, so the state of a block stays in L1 cache and the CPU overlaps the long dependency
 * chains of different points. Nothing is allocated per step; memory is the final positions plus
 * one normalised copy of the field. With unit-bounded speeds the total travel is at most
 * Σ 1/(1 + t) ≈ 5.9 px for 200 steps.
 *
 * Exactness notes: `u·(1/(1 + t))` rounded to float32 equals the float32 quotient `u/(1 + t)`
 * (the exact quotient of a float32 by an integer ≤ 2²⁴ is never within 2⁻⁵² of a float32
 * rounding midpoint), and halving a float32 is exact.
 */

const f32 = Math.fround;

/** Points integrated together (see the module doc). */
const BLOCK = 64;

/**
 * Final positions `[y, x]` in pixels (interleaved, float32) of the pixels `pixels` (flat indices)
 * after `niter` suppressed Euler steps through `field` (interleaved `[vy, vx]`, from
 * `eulerField`).
 */
export function followFlows(
  field: Float32Array,
  rows: number,
  cols: number,
  pixels: Int32Array,
  niter: number,
): Float32Array {
  const out = new Float32Array(2 * pixels.length);
  // a single row or column cannot move along that axis (grid_sample would divide by zero)
  const hm1 = rows > 1 ? f32(rows - 1) : 1;
  const wm1 = cols > 1 ? f32(cols - 1) : 1;
  // grid_sample's unnormalisation factors, and the flow in normalised units (2·f/(L − 1))
  const sy = f32(hm1 / 2);
  const sx = f32(wm1 / 2);
  const n = rows * cols;
  const flow = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    flow[2 * i] = rows > 1 ? f32(2 * field[2 * i]!) / hm1 : 0;
    flow[2 * i + 1] = cols > 1 ? f32(2 * field[2 * i + 1]!) / wm1 : 0;
  }
  const rmax = rows - 1;
  const cmax = cols - 1;
  const PY = new Float64Array(BLOCK);
  const PX = new Float64Array(BLOCK);
  const UY = new Float64Array(BLOCK);
  const UX = new Float64Array(BLOCK);
  for (let j0 = 0; j0 < pixels.length; j0 += BLOCK) {
    const m = Math.min(BLOCK, pixels.length - j0);
    for (let k = 0; k < m; k++) {
      const p = pixels[j0 + k]!;
      const r = (p / cols) | 0;
      PY[k] = f32(f32(f32(2 * r) / hm1) - 1);
      PX[k] = f32(f32(f32(2 * (p - r * cols)) / wm1) - 1);
    }
    for (let t = 0; t < niter; t++) {
      const inv = 1 / (1 + t);
      for (let k = 0; k < m; k++) {
        let py = PY[k]!;
        let px = PX[k]!;
        // PyTorch's unnormalise (x + 1)·((L − 1)/2); x ≥ 0, so truncation is floor
        const y = f32(f32(py + 1) * sy);
        const x = f32(f32(px + 1) * sx);
        const yn = y | 0;
        const xw = x | 0;
        const w = f32(x - xw);
        const e = f32(1 - w);
        const nn = f32(y - yn);
        const s = f32(1 - nn);
        const nw = f32(s * e);
        const ne = f32(s * w);
        const sw = f32(nn * e);
        const se = f32(nn * w);
        // a corner beyond the last row/column has weight 0 (positions never pass L − 1)
        const ys = yn < rmax ? yn + 1 : yn;
        const xe = xw < cmax ? xw + 1 : xw;
        const a = 2 * (yn * cols + xw);
        const b = 2 * (yn * cols + xe);
        const c = 2 * (ys * cols + xw);
        const d = 2 * (ys * cols + xe);
        // the weighted sum with fused multiply-adds: the product of two float32 is exact in float64
        const vy = f32(f32(f32(f32(flow[a]! * nw) + flow[b]! * ne) + flow[c]! * sw) + flow[d]! * se);
        const vx = f32(
          f32(f32(f32(flow[a + 1]! * nw) + flow[b + 1]! * ne) + flow[c + 1]! * sw) + flow[d + 1]! * se,
        );
        // u₀ = v(p₀), so the first step moves by v(p₀)
        const uy = f32(vy + (t === 0 ? vy : UY[k]!)) * 0.5;
        const ux = f32(vx + (t === 0 ? vx : UX[k]!)) * 0.5;
        UY[k] = uy;
        UX[k] = ux;
        py = f32(py + f32(uy * inv));
        px = f32(px + f32(ux * inv));
        PY[k] = Math.min(1, Math.max(-1, py));
        PX[k] = Math.min(1, Math.max(-1, px));
      }
    }
    for (let k = 0; k < m; k++) {
      out[2 * (j0 + k)] = f32(f32(PY[k]! + 1) * 0.5) * hm1;
      out[2 * (j0 + k) + 1] = f32(f32(PX[k]! + 1) * 0.5) * wm1;
    }
  }
  return out;
}
