/**
 * Instance masks from the network's distance, flow and (optional) boundary outputs: Omnipose
 * 1.0.6 `omnipose.core.compute_masks` with its defaults (`omni=True`, `suppress=True`,
 * `niter=None → 200`, `mask_threshold=0`, `diam_threshold=12`, DBSCAN `eps=√2`, `min_size=15` as
 * the models pass it, `hole_size=3`), ALGORITHM.md §6:
 *
 * 1. foreground: hysteresis on the distance (low = threshold − 1, high = threshold);
 * 2. Euler field: unit flow × divergence normalised to [0, 1] (0.01/99.99 percentiles) / rescale;
 * 3. suppressed Euler integration of the foreground pixels (`followFlows`);
 * 4. grouping: mean diameter 6·mean(|d|) over the foreground ≤ `diamThreshold` → DBSCAN on the
 *    final positions; otherwise rounding + 8-connected labelling, with the border rule when a
 *    boundary output is given (Omnipose applies it when `nclasses == 4`);
 * 5. optional flow check (`flowThreshold` > 0; default 0 = off, as the Sketchpose plugin ran);
 * 6. clean-up: masks under `minSize` pixels removed, holes under `holeSize` % filled, cut to
 *    the foreground, renumbered 1..count by first appearance.
 *
 * Omnipose 0.4.x (0.4.4, the generation ALGORITHM.md names) differs only in details: it pads every
 * array by one zero pixel (`pad = 1`), so positions may end one pixel beyond the image and the
 * border band is 4 image pixels wide; without a boundary output it estimates the diameter from
 * `dist > 0` (`diameters`) rather than from the foreground. 1.0.6 uses `pad = 0`, as here.
 *
 * Deterministic; an empty foreground gives an empty label image.
 *
 * @example
 * ```ts
 * const { labels, count } = computeMasks({ shape: [rows, cols], distance, flow, boundary });
 * ```
 */
import { DtypeError, ShapeError, ValueError } from '../errors.ts';
import { cleanupMasks } from './cleanup.ts';
import { dbscan } from './dbscan.ts';
import { followFlows } from './euler.ts';
import { removeBadFlowMasks } from './flow-check.ts';
import { eulerField } from './flow-field.ts';
import { hysteresisForeground } from './foreground.ts';
import { type MaskOptions, resolveMaskOptions } from './options.ts';
import { groupByRounding } from './round-grouping.ts';

/** The network outputs for one image or tile, row-major. */
export interface PredictedFields {
  /** `[rows, cols]` */
  shape: [number, number];
  /** distance `[rows, cols]` (Omnipose: background ≈ −5) */
  distance: Float32Array;
  /** flow `[2, rows, cols]`: the dy plane, then the dx plane, ×5 as the network predicts */
  flow: Float32Array;
  /** boundary logits `[rows, cols]`, optional */
  boundary?: Float32Array;
}

export interface Masks {
  /** labels 1..count, 0 background, `[rows, cols]` */
  labels: Int32Array;
  count: number;
  shape: [number, number];
  /** 6·mean(|distance|) over the foreground (0 when empty) */
  meanDiameter: number;
  /** whether DBSCAN grouped the positions */
  clustered: boolean;
}

export function computeMasks(fields: PredictedFields, options: MaskOptions = {}): Masks {
  const [rows, cols] = checkFields(fields);
  const o = resolveMaskOptions(options);
  const n = rows * cols;
  const fg = hysteresisForeground({ data: fields.distance, shape: [rows, cols] }, o.maskThreshold);
  const pixels = fg.pixels;
  if (pixels.length === 0) {
    return { labels: new Int32Array(n), count: 0, shape: [rows, cols], meanDiameter: 0, clustered: false };
  }
  let sum = 0;
  for (let j = 0; j < pixels.length; j++) sum += Math.abs(fields.distance[pixels[j]!]!);
  const meanDiameter = (6 * sum) / pixels.length;
  const clustered = o.cluster === 'auto' ? meanDiameter <= o.diamThreshold : o.cluster;
  let niter = o.niter;
  if (niter === undefined) {
    // compute_masks: an explicit cluster=True runs int(diameters(iscell, dist)) steps, else 200
    niter = o.cluster === true ? Math.floor(positiveMeanDiameter(fields.distance)) : 200;
  }
  const { field } = eulerField(fields.flow, fg.mask, rows, cols, o.rescale, o.divergenceRange);
  const positions = followFlows(field, rows, cols, pixels, niter, o.euler === 'fast' ? 'fast' : 'auto');
  let labels: Int32Array;
  let maxLabel: number;
  if (clustered) {
    const { clusters, count } = dbscan(positions, rows, cols, o);
    labels = new Int32Array(n);
    for (let j = 0; j < pixels.length; j++) labels[pixels[j]!] = clusters[j]! + 1;
    maxLabel = count;
  } else {
    const border = fields.boundary
      ? { boundary: fields.boundary, width: o.borderWidth, threshold: o.boundaryThreshold }
      : undefined;
    ({ labels, count: maxLabel } = groupByRounding(positions, pixels, rows, cols, border));
  }
  if (o.flowThreshold > 0 && maxLabel > 0) {
    removeBadFlowMasks(labels, maxLabel, fields.flow, rows, cols, o.flowThreshold);
  }
  const count = cleanupMasks(labels, maxLabel, fg.mask, rows, cols, o.minSize, o.holeSize);
  return { labels, count, shape: [rows, cols], meanDiameter, clustered };
}

/** Omnipose `diameters(iscell, dist)`: 6·mean(|d|) over d > 0. */
function positiveMeanDiameter(distance: Float32Array): number {
  let sum = 0;
  let k = 0;
  for (let i = 0; i < distance.length; i++) {
    const v = distance[i]!;
    if (v > 0) {
      sum += v;
      k++;
    }
  }
  return k === 0 ? 0 : (6 * sum) / k;
}

function checkFields(fields: PredictedFields): [number, number] {
  const [rows, cols] = fields.shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(
      `computeMasks: shape [${fields.shape.join(', ')}] is not a pair of non-negative integers`,
    );
  }
  const n = rows * cols;
  const expect = (name: string, a: Float32Array | undefined, len: number, dims: string): void => {
    if (a === undefined) return;
    if (!(a instanceof Float32Array)) {
      throw new DtypeError(
        `computeMasks: ${name} must be a Float32Array, got ${(a as object).constructor.name}`,
      );
    }
    if (a.length !== len) {
      throw new ShapeError(`computeMasks: ${name} ${dims} needs ${len} values, got ${a.length}`);
    }
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i]!))
        throw new ValueError(`computeMasks: ${name} has a non-finite value at ${i}`);
    }
  };
  expect('distance', fields.distance, n, `[${rows}, ${cols}]`);
  expect('flow', fields.flow, 2 * n, `[2, ${rows}, ${cols}]`);
  expect('boundary', fields.boundary, n, `[${rows}, ${cols}]`);
  return [rows, cols];
}
