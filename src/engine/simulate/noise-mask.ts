/**
 * The Sketchpose paper's partial annotations (§3.4.2, ALGORITHM.md §1): white Gaussian noise,
 * Gaussian-filtered, thresholded so that a chosen fraction `p` of the pixels stays labelled. The
 * full labelling (`labelsToCodes`: background 1, cell 2, both sides of every contact 3) is kept on
 * the selected pixels and the rest becomes unknown (0).
 *
 * Boundaries survive wherever the kept region crosses an object edge: a kept cell pixel next to a
 * different object is a contact pixel and keeps its code 3, and a kept background pixel next to a
 * kept cell pixel forms B01. So two 4-adjacent cell (code 2) pixels always belong to one object,
 * which is the paper's admissibility assumption, and Theorem 1 applies to the result.
 */
import { DtypeError, ValueError } from '../errors.ts';
import { Random } from '../random.ts';
import { checkRaster } from '../raster.ts';
import { labelsToCodes, UNKNOWN } from '../targets/codes.ts';
import type { Raster } from '../types.ts';

export interface NoiseMaskOptions {
  /** fraction of pixels kept, in [0, 1] */
  fraction: number;
  /** standard deviation of the Gaussian filter in pixels (blob size of the kept region); default 8 */
  sigma?: number;
  /** seed of the white noise; default 0 */
  seed?: number;
}

function checkFraction(fraction: number, what: string): number {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new ValueError(`${what}: fraction must be a number in [0, 1], got ${fraction}`);
  }
  return fraction;
}

/** Kernel of a sampled, normalised Gaussian truncated at 4σ. */
function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Mirror index (scipy's 'reflect': d c b a | a b c d | d c b a) for any offset. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Separable Gaussian filter with reflected borders, in float64. */
export function gaussianFilter(data: Float64Array, rows: number, cols: number, sigma: number): Float64Array {
  if (!(sigma > 0)) return Float64Array.from(data);
  const k = gaussianKernel(sigma);
  const radius = (k.length - 1) / 2;
  const tmp = new Float64Array(rows * cols);
  const line = new Float64Array(Math.max(rows, cols) + 2 * radius);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = -radius; j < cols + radius; j++) line[j + radius] = data[base + reflect(j, cols)]!;
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t]! * line[c + t]!;
      tmp[base + c] = s;
    }
  }
  const out = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    for (let j = -radius; j < rows + radius; j++) line[j + radius] = tmp[reflect(j, rows) * cols + c]!;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t]! * line[r + t]!;
      out[r * cols + c] = s;
    }
  }
  return out;
}

/**
 * The kept region: 1 on exactly `round(fraction · rows · cols)` pixels, those where the smoothed
 * noise is largest (ties broken by pixel index, so the count is exact). Deterministic by seed.
 */
export function noiseKeepMask(shape: [number, number], options: NoiseMaskOptions): Uint8Array {
  const [rows, cols] = checkRaster({ data: new Uint8Array(shape[0] * shape[1]), shape }, 'noiseKeepMask');
  const fraction = checkFraction(options.fraction, 'noiseKeepMask');
  const sigma = options.sigma ?? 8;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) {
    throw new ValueError(`noiseKeepMask: sigma must be a finite number ≥ 0, got ${sigma}`);
  }
  const n = rows * cols;
  const keep = new Uint8Array(n);
  const count = Math.round(fraction * n);
  if (count === 0) return keep;
  if (count === n) return keep.fill(1);
  const rng = new Random(options.seed ?? 0);
  const noise = new Float64Array(n);
  for (let i = 0; i < n; i++) noise[i] = rng.normal();
  const smooth = gaussianFilter(noise, rows, cols, sigma);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => smooth[b]! - smooth[a]! || a - b);
  for (let j = 0; j < count; j++) keep[order[j]!] = 1;
  return keep;
}

/**
 * Partial annotation codes of a full label image (0 = background, k > 0 = object k): the full
 * codes on the kept region of {@link noiseKeepMask}, unknown elsewhere.
 */
export function simulatePartialMask(labels: Raster, options: NoiseMaskOptions): Raster<Uint8Array> {
  const [rows, cols] = checkRaster(labels, 'simulatePartialMask');
  if (labels.data instanceof Float32Array || labels.data instanceof Float64Array) {
    throw new DtypeError(
      `simulatePartialMask: labels must be an integer array, got ${labels.data.constructor.name}`,
    );
  }
  const keep = noiseKeepMask([rows, cols], options);
  const codes = labelsToCodes(labels).data;
  for (let i = 0; i < codes.length; i++) if (!keep[i]) codes[i] = UNKNOWN;
  return { data: codes, shape: [rows, cols] };
}

/** Fraction of pixels with a known code (1, 2 or 3). */
export function annotatedFraction(codes: Raster): number {
  const [rows, cols] = checkRaster(codes, 'annotatedFraction');
  if (rows * cols === 0) return 0;
  let known = 0;
  for (let i = 0; i < codes.data.length; i++) if (codes.data[i] !== UNKNOWN) known++;
  return known / (rows * cols);
}
