/**
 * The WebAssembly SIMD kernel of the suppressed Euler integration (src/engine/masks/euler.wat)
 * against the JavaScript loop it replaces: the same bits on real fixtures and on edge cases
 * (single row/column, positions clamped at the borders, odd and chunk-crossing point counts, no
 * points, fields the kernel hands back to JavaScript), and its committed bytes against its source.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { eulerWasmModule } from '../../src/engine/masks/euler.ts';
import { eulerField, followFlows, hysteresisForeground } from '../../src/engine/masks/index.ts';
import { groundTruthFields } from '../fixtures/masks/ground-truth-fields.ts';

const DIR = new URL('../fixtures/masks/', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

/** Index of the first coordinate whose bits differ (NaN equals NaN, −0 differs from +0), or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectSame(
  field: Float32Array,
  rows: number,
  cols: number,
  pixels: Int32Array,
  niter = 200,
): Float32Array {
  const js = followFlows(field, rows, cols, pixels, niter, 'js');
  const wasm = followFlows(field, rows, cols, pixels, niter, 'wasm');
  const k = firstDifference(js, wasm);
  if (k >= 0) {
    const j = k >> 1;
    throw new Error(
      `point ${j} (pixel ${pixels[j]}): js [${js[2 * j]}, ${js[2 * j + 1]}], wasm [${wasm[2 * j]}, ${wasm[2 * j + 1]}]`,
    );
  }
  expect(wasm.length).toBe(2 * pixels.length);
  return wasm;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A field of unit-bounded random vectors, `bias` added to every component. */
function randomField(
  rows: number,
  cols: number,
  seed: number,
  bias: [number, number] = [0, 0],
): Float32Array {
  const rnd = random(seed);
  const f = new Float32Array(2 * rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    f[2 * i] = rnd() * 2 - 1 + bias[0];
    f[2 * i + 1] = rnd() * 2 - 1 + bias[1];
  }
  return f;
}

function allPixels(rows: number, cols: number): Int32Array {
  return Int32Array.from({ length: rows * cols }, (_, i) => i);
}

/** The fast (not bit-exact) kernel's positions: close to the exact ones, mostly the same bits. */
function expectClose(
  field: Float32Array,
  rows: number,
  cols: number,
  pixels: Int32Array,
  niter = 200,
  tolerance = 1e-3,
): { same: number; max: number } {
  const exact = followFlows(field, rows, cols, pixels, niter, 'wasm');
  const fast = followFlows(field, rows, cols, pixels, niter, 'fast');
  expect(fast.length).toBe(exact.length);
  let same = 0;
  let max = 0;
  for (let i = 0; i < exact.length; i++) {
    if (Object.is(exact[i], fast[i])) same++;
    max = Math.max(max, Math.abs(exact[i]! - fast[i]!));
  }
  expect(max).toBeLessThanOrEqual(tolerance);
  return { same: exact.length === 0 ? 1 : same / exact.length, max };
}

describe('the WebAssembly Euler kernel', () => {
  it('is available in Node (WebAssembly SIMD)', () => {
    expect(eulerWasmModule()).not.toBeNull();
  });

  it('is the assembly of euler.wat (node scripts/build-wasm.mjs --check)', () => {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' });
  });

  it.each([
    'dsb2018_0402a81e',
    'dsb2018_08275a5b',
    'stardist_tests_mask2d',
    'omnipose_caulo_15',
    'omnipose_Sample000033',
  ])('gives the JavaScript loop’s bits on the fixture %s', (name) => {
    const a = readNpy(`${DIR}labels/${name}.npy.gz`);
    const shape: [number, number] = [a.shape[0]!, a.shape[1]!];
    const fields = groundTruthFields({ data: a.data, shape });
    const fg = hysteresisForeground({ data: fields.distance, shape }, 0);
    const { field } = eulerField(fields.flow, fg.mask, shape[0], shape[1], 1);
    expectSame(field, shape[0], shape[1], fg.pixels);
  });

  it('gives the same bits on random fields, every pixel a point', () => {
    for (const [rows, cols, seed] of [
      [17, 23, 1],
      [64, 31, 2],
      [5, 200, 3],
    ] as const) {
      expectSame(randomField(rows, cols, seed), rows, cols, allPixels(rows, cols));
    }
  });

  it('clamps at every border like the JavaScript loop', () => {
    // strong fields towards each corner: points pile up on the last row/column and on row/col 0
    for (const [bias, seed] of [
      [[3, 3], 4],
      [[-3, -3], 5],
      [[3, -3], 6],
      [[-3, 3], 7],
    ] as const) {
      const pos = expectSame(randomField(12, 9, seed, [bias[0], bias[1]]), 12, 9, allPixels(12, 9));
      const ys = new Set<number>();
      for (let j = 0; j < pos.length; j += 2) ys.add(pos[j]!);
      expect(ys.has(bias[0] > 0 ? 11 : 0)).toBe(true);
    }
  });

  it('handles single-row, single-column and single-pixel images', () => {
    for (const [rows, cols] of [
      [1, 37],
      [41, 1],
      [1, 1],
      [2, 1],
      [1, 2],
    ] as const) {
      const field = randomField(rows, cols, rows * 100 + cols, [0.3, -0.2]);
      expectSame(field, rows, cols, allPixels(rows, cols));
    }
  });

  it('handles point counts that are not a multiple of the pair or block (and none)', () => {
    const rows = 30;
    const cols = 40;
    const field = randomField(rows, cols, 8);
    for (const m of [0, 1, 2, 3, 63, 64, 65, 127, 129]) {
      const pixels = Int32Array.from({ length: m }, (_, i) => (i * 7919) % (rows * cols));
      const pos = expectSame(field, rows, cols, pixels);
      expect(pos.length).toBe(2 * m);
    }
  });

  it('gives the same bits across chunks of points (more than 65,536 points, odd count)', () => {
    const rows = 260;
    const cols = 263;
    const field = randomField(rows, cols, 9);
    const pixels = allPixels(rows, cols).subarray(0, 68_377);
    expectSame(field, rows, cols, pixels, 12);
  });

  it('does not depend on earlier calls (the kernel keeps its memory between calls)', () => {
    const small = randomField(7, 9, 16);
    const first = followFlows(small, 7, 9, allPixels(7, 9), 50, 'wasm');
    followFlows(randomField(40, 50, 17, [2, 2]), 40, 50, allPixels(40, 50), 50, 'wasm');
    followFlows(randomField(40, 50, 18), 40, 50, allPixels(40, 50), 50, 'fast');
    expect(firstDifference(first, followFlows(small, 7, 9, allPixels(7, 9), 50, 'wasm'))).toBe(-1);
    expectSame(small, 7, 9, allPixels(7, 9), 50);
  });

  it('hands fields with NaN, infinite or huge values back to JavaScript (same result)', () => {
    const rows = 6;
    const cols = 7;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e30]) {
      const field = randomField(rows, cols, 10);
      field[2 * 17 + 1] = bad;
      expectSame(field, rows, cols, allPixels(rows, cols), 20);
    }
  });
});

describe("the fast kernel (kernel 'fast', not bit-exact)", () => {
  it('stays within 1e-3 px of the exact positions on fixtures, most of them the same bits', () => {
    for (const name of ['dsb2018_0402a81e', 'stardist_tests_mask2d', 'omnipose_Sample000033']) {
      const a = readNpy(`${DIR}labels/${name}.npy.gz`);
      const shape: [number, number] = [a.shape[0]!, a.shape[1]!];
      const fields = groundTruthFields({ data: a.data, shape });
      const fg = hysteresisForeground({ data: fields.distance, shape }, 0);
      const { field } = eulerField(fields.flow, fg.mask, shape[0], shape[1], 1);
      const { same } = expectClose(field, shape[0], shape[1], fg.pixels);
      expect(same).toBeGreaterThan(0.99);
    }
  });

  it('handles the edge cases of the exact kernel (sizes, counts, chunks, borders)', () => {
    const field = randomField(30, 40, 12);
    for (const m of [0, 1, 2, 3, 4, 5, 63, 65, 130]) {
      const pixels = Int32Array.from({ length: m }, (_, i) => (i * 7919) % 1200);
      expectClose(field, 30, 40, pixels, 200, 0.05);
    }
    for (const [rows, cols] of [
      [1, 37],
      [41, 1],
      [1, 1],
    ] as const) {
      expectClose(randomField(rows, cols, 13, [0.3, -0.2]), rows, cols, allPixels(rows, cols), 200, 0.05);
    }
    expectClose(randomField(12, 9, 14, [3, -3]), 12, 9, allPixels(12, 9), 200, 0.05);
    const big = randomField(260, 263, 15);
    expectClose(big, 260, 263, allPixels(260, 263).subarray(0, 68_379), 12, 0.05);
  });
});
