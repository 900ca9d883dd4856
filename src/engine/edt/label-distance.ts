/**
 * Label-aware EDT: for every pixel of a label image, the distance to the nearest pixel carrying a
 * *different* label (0 included), as the `edt` package computes for label images, so touching
 * objects get separate fields. Background (label 0) pixels get 0.
 *
 * Exactness: for a pixel x of label l, the nearest pixel of another label lies inside the
 * bounding box of l grown by one pixel. Any pixel y further out can be clamped onto that ring,
 * which only shrinks each coordinate difference to x, and ring pixels are never labelled l. So
 * one seed EDT per object on its grown box is exact, and costs the sum of the box areas.
 *
 * Pixels beyond the raster: by default they are *not* a boundary (Omnipose and the `edt`
 * package's default); with `borderIsBoundary` they count as a different label.
 */
import { DtypeError } from '../errors.ts';
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';
import { type DistanceTransform, distanceToSeeds } from './distance-transform.ts';

export interface LabelDistanceOptions {
  feature?: boolean;
  /** Count pixels beyond the raster as a different label. Default false. */
  borderIsBoundary?: boolean;
}

interface Box {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

function boundingBoxes(labels: ArrayLike<number>, rows: number, cols: number): Map<number, Box> {
  const boxes = new Map<number, Box>();
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const l = labels[i]!;
      if (l === 0) continue;
      const b = boxes.get(l);
      if (!b) boxes.set(l, { r0: r, r1: r, c0: c, c1: c });
      else {
        if (r > b.r1) b.r1 = r;
        if (c < b.c0) b.c0 = c;
        if (c > b.c1) b.c1 = c;
      }
    }
  }
  return boxes;
}

export function distanceToOtherLabels(labels: Raster, options: LabelDistanceOptions = {}): DistanceTransform {
  const [rows, cols] = checkRaster(labels, 'distanceToOtherLabels');
  const data = labels.data;
  if (data instanceof Float32Array || data instanceof Float64Array) {
    throw new DtypeError(
      `distanceToOtherLabels: labels must be an integer array, got ${data.constructor.name}`,
    );
  }
  const n = rows * cols;
  const distance = new Float32Array(n);
  const feature = options.feature ? new Int32Array(n).fill(-1) : undefined;
  const border = options.borderIsBoundary ?? false;
  for (const [label, b] of boundingBoxes(data, rows, cols)) {
    // grown box in image coordinates; it may stick out of the raster by one pixel
    const gr0 = b.r0 - 1;
    const gc0 = b.c0 - 1;
    const h = b.r1 - b.r0 + 3;
    const w = b.c1 - b.c0 + 3;
    const seeds = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) {
      const r = gr0 + y;
      const inRows = r >= 0 && r < rows;
      for (let x = 0; x < w; x++) {
        const c = gc0 + x;
        if (inRows && c >= 0 && c < cols) seeds[y * w + x] = data[r * cols + c] === label ? 0 : 1;
        else seeds[y * w + x] = border ? 1 : 0;
      }
    }
    const local = distanceToSeeds({ data: seeds, shape: [h, w] }, { feature: feature !== undefined });
    for (let y = 1; y < h - 1; y++) {
      const r = gr0 + y;
      for (let x = 1; x < w - 1; x++) {
        const c = gc0 + x;
        const i = r * cols + c;
        if (data[i] !== label) continue;
        const li = y * w + x;
        distance[i] = local.distance[li]!;
        if (feature) {
          const fl = local.feature![li]!;
          if (fl < 0) continue;
          const fr = gr0 + Math.floor(fl / w);
          const fc = gc0 + (fl % w);
          // a seed outside the raster (borderIsBoundary) has no index; keep −1 there
          feature[i] = fr >= 0 && fr < rows && fc >= 0 && fc < cols ? fr * cols + fc : -1;
        }
      }
    }
  }
  if (feature) {
    for (let i = 0; i < n; i++) if (data[i] === 0) feature[i] = i;
  }
  return feature ? { distance, feature, shape: [rows, cols] } : { distance, shape: [rows, cols] };
}
