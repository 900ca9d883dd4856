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
 * Two implementations give the same bits: a WebAssembly SIMD kernel (`euler.wat`, two points per
 * vector, 3-5× faster), used wherever WebAssembly SIMD is available (Node ≥ 16.4, current
 * browsers, Web Workers included), and the JavaScript loop below, the fallback and the reference.
 * `kernel` picks one explicitly (tests, benchmarks).
 *
 * Exactness notes: the step u/(1 + t) is the float32 quotient, as PyTorch's `dPt /= step_factor(t)`
 * computes it (a float64 quotient rounded to float32 is the same number). Multiplying by the float64
 * reciprocal instead gives the same bits except where the quotient is subnormal (e.g. −2.95e−38/196:
 * −1.50519e−40 against −1.50518e−40). Halving a float32 is exact except in the subnormal range,
 * where PyTorch rounds the half to float32, and so do both implementations.
 */
import { ValueError } from '../errors.ts';
import { EULER_WASM_BASE64 } from './euler-wasm.ts';

const f32 = Math.fround;

/**
 * `'auto'`: the WebAssembly SIMD kernel where available, else JavaScript (identical results);
 * `'wasm'`, `'js'`: that one (`'wasm'` throws without WebAssembly SIMD); `'fast'`: the kernel's
 * not bit-exact variant (four points a vector, plain float32 sums instead of PyTorch's fused
 * multiply-adds, steps by an f32 reciprocal: the last bits of some positions differ), else the
 * exact JavaScript.
 */
export type EulerKernel = 'auto' | 'wasm' | 'js' | 'fast';

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
  kernel: EulerKernel = 'auto',
): Float32Array {
  if (kernel !== 'js' && pixels.length > 0) {
    const mod = eulerWasmModule();
    if (mod) {
      const out = followFlowsWasm(mod, field, rows, cols, pixels, niter, kernel === 'fast');
      if (out) return out;
    } else if (kernel === 'wasm') {
      throw new ValueError(
        "followFlows: kernel 'wasm' asked for, but WebAssembly SIMD is not available here",
      );
    }
  }
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
      const den = 1 + t;
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
        const uy = f32(f32(vy + (t === 0 ? vy : UY[k]!)) * 0.5);
        const ux = f32(f32(vx + (t === 0 ? vx : UX[k]!)) * 0.5);
        UY[k] = uy;
        UX[k] = ux;
        py = f32(py + f32(uy / den));
        px = f32(px + f32(ux / den));
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

/** Points per call of the kernel: bounds its memory (2 × 16 bytes a pair) on large images. */
const WASM_CHUNK = 1 << 16;

/** Memory kept between calls up to this size (a 1024² image needs 12 MB); larger is per call. */
const KEEP_BYTES = 64 << 20;

let kept: { memory: WebAssembly.Memory; kernels: EulerKernelExports } | null = null;

/**
 * An instance of the kernel with at least `bytes` of memory. The memory of the last call is reused
 * (grown if needed) while it stays under KEEP_BYTES: touching fresh pages costs more than a small
 * image's whole integration. Null when the memory cannot be had.
 */
function kernelInstance(
  mod: WebAssembly.Module,
  bytes: number,
): { memory: WebAssembly.Memory; kernels: EulerKernelExports } | null {
  const pages = Math.ceil(bytes / 65536);
  const instantiate = () => {
    const memory = new WebAssembly.Memory({ initial: pages });
    const kernels = new WebAssembly.Instance(mod, { env: { memory } })
      .exports as unknown as EulerKernelExports;
    return { memory, kernels };
  };
  try {
    if (bytes > KEEP_BYTES) return instantiate();
    kept ??= instantiate();
    const have = kept.memory.buffer.byteLength / 65536;
    if (have < pages) kept.memory.grow(pages - have);
    return kept;
  } catch {
    return null;
  }
}

/** Limits of the kernel (see `followFlowsWasm`). */
const MAX_SIDE = 1 << 23;
const MAX_FLOW = 2 ** 64;
const MAX_BYTES = 2 ** 31;

let wasmModule: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (compiled once). */
export function eulerWasmModule(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    wasmModule = null;
    try {
      if (typeof WebAssembly === 'object' && typeof atob === 'function') {
        const text = atob(EULER_WASM_BASE64);
        const bytes = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
        // validation fails without SIMD; the module is 2 KiB (under Chrome's 4 KiB limit for
        // synchronous compiling on the main thread)
        if (WebAssembly.validate(bytes)) wasmModule = new WebAssembly.Module(bytes);
      }
    } catch {
      wasmModule = null;
    }
  }
  return wasmModule;
}

type KernelFunction = (
  pos: number,
  vel: number,
  groups: number,
  niter: number,
  rowBytes: number,
  sy: number,
  sx: number,
) => void;

interface EulerKernelExports {
  follow: KernelFunction;
  followFast: KernelFunction;
  prepare(count: number, hm1: number, wm1: number, keepY: number, keepX: number, limit: number): number;
}

/**
 * `followFlows` through the WebAssembly kernel (`euler.wat`), chunk by chunk of points; null
 * (use the JavaScript loop) for a field the kernel does not take: a value that is not finite or
 * above 2⁶⁴ after normalisation (the kernel relies on finite positions: it floors with a bit trick
 * and clamps with pmin/pmax), a side of 2²³ pixels or more, or no memory for it.
 */
function followFlowsWasm(
  mod: WebAssembly.Module,
  field: Float32Array,
  rows: number,
  cols: number,
  pixels: Int32Array,
  niter: number,
  fast: boolean,
): Float32Array | null {
  if (rows >= MAX_SIDE || cols >= MAX_SIDE) return null;
  const hm1 = rows > 1 ? f32(rows - 1) : 1;
  const wm1 = cols > 1 ? f32(cols - 1) : 1;
  const sy = f32(hm1 / 2);
  const sx = f32(wm1 / 2);
  // the normalised field with a repeated last column and row (see euler.wat), at address 0
  const stride = cols + 1;
  const flowBytes = (((rows + 1) * stride * 8 + 15) >> 4) << 4;
  // points a vector group: 2 ([y₀ x₀ y₁ x₁]) or 4 ([y₀ y₁ y₂ y₃ x₀ x₁ x₂ x₃], `fast`)
  const g = fast ? 4 : 2;
  // where point k's y sits in the position buffer, and how far after it its x
  const yLane = fast ? (k: number) => 8 * (k >> 2) + (k & 3) : (k: number) => 2 * k;
  const dx = fast ? 4 : 1;
  const chunk = Math.min(WASM_CHUNK, Math.ceil(pixels.length / g) * g);
  const pos = flowBytes;
  const vel = pos + 8 * chunk;
  const bytes = vel + 8 * chunk;
  if (bytes > MAX_BYTES) return null;
  const instance = kernelInstance(mod, bytes);
  if (!instance) return null;
  const { memory, kernels } = instance;
  const follow = fast ? kernels.followFast : kernels.follow;
  const flow = new Float32Array(memory.buffer, 0, flowBytes >> 2);
  // the raw field in the padded layout (last column and row repeated), normalised in place by the
  // kernel; a trailing half vector is zeroed (memory may hold an earlier call's data)
  for (let r = 0; r < rows; r++) {
    const o = 2 * r * stride;
    flow.set(field.subarray(2 * r * cols, 2 * (r + 1) * cols), o);
    flow[o + 2 * cols] = flow[o + 2 * cols - 2]!;
    flow[o + 2 * cols + 1] = flow[o + 2 * cols - 1]!;
  }
  flow.copyWithin(2 * rows * stride, 2 * (rows - 1) * stride, 2 * rows * stride);
  flow.fill(0, 2 * (rows + 1) * stride);
  const vectors = flowBytes >> 4;
  if (!kernels.prepare(vectors, hm1, wm1, rows > 1 ? 1 : 0, cols > 1 ? 1 : 0, MAX_FLOW)) return null;
  const P = new Float32Array(memory.buffer, pos, 2 * chunk);
  const out = new Float32Array(2 * pixels.length);
  for (let j0 = 0; j0 < pixels.length; j0 += chunk) {
    const m = Math.min(chunk, pixels.length - j0);
    const groups = Math.ceil(m / g);
    // the last group's missing points are dummies at (−1, −1)
    P.fill(-1, 2 * (groups - 1) * g, 2 * groups * g);
    for (let k = 0; k < m; k++) {
      const p = pixels[j0 + k]!;
      const r = (p / cols) | 0;
      const iy = yLane(k);
      P[iy] = f32(f32(2 * r) / hm1) - 1;
      P[iy + dx] = f32(f32(2 * (p - r * cols)) / wm1) - 1;
    }
    follow(pos, vel, groups, niter, 8 * stride, sy, sx);
    for (let k = 0; k < m; k++) {
      const iy = yLane(k);
      out[2 * (j0 + k)] = f32(f32(P[iy]! + 1) * 0.5) * hm1;
      out[2 * (j0 + k) + 1] = f32(f32(P[iy + dx]! + 1) * 0.5) * wm1;
    }
  }
  return out;
}
