/**
 * Connected-component labelling of a binary mask (two-pass union-find), 4- or 8-connected.
 * Labels are 1..n in raster order of each component's first pixel; 0 outside the mask.
 */
import { checkRaster } from '../raster.ts';
import type { Raster } from '../types.ts';

export interface Components {
  labels: Int32Array;
  count: number;
  shape: [number, number];
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]!]!;
    x = parent[x]!;
  }
  return x;
}

function union(parent: Int32Array, a: number, b: number): number {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return ra;
  // keep the smaller root so the first-seen pixel stays the representative
  if (ra < rb) {
    parent[rb] = ra;
    return ra;
  }
  parent[ra] = rb;
  return rb;
}

/** Merges neighbour label `other` (0 = none) into the running `label` (0 = none yet). */
function join(parent: Int32Array, label: number, other: number): number {
  if (other === 0) return label;
  return label === 0 ? find(parent, other) : union(parent, label, other);
}

/** Labels the pixels where `mask` is nonzero. */
export function connectedComponents(mask: Raster, connectivity: 4 | 8 = 4): Components {
  const [rows, cols] = checkRaster(mask, 'connectedComponents');
  const m = mask.data;
  const n = rows * cols;
  const provisional = new Int32Array(n);
  const parent = new Int32Array(n + 1);
  let next = 1;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if (m[i] === 0) continue;
      let label = 0;
      if (c > 0) label = join(parent, label, provisional[i - 1]!);
      if (r > 0) {
        label = join(parent, label, provisional[i - cols]!);
        if (connectivity === 8) {
          if (c > 0) label = join(parent, label, provisional[i - cols - 1]!);
          if (c < cols - 1) label = join(parent, label, provisional[i - cols + 1]!);
        }
      }
      if (label === 0) {
        label = next++;
        parent[label] = label;
      }
      provisional[i] = label;
    }
  }
  const finalLabel = new Int32Array(next);
  let count = 0;
  for (let k = 1; k < next; k++) {
    const root = find(parent, k);
    if (root === k) finalLabel[k] = ++count;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = provisional[i]!;
    if (p !== 0) labels[i] = finalLabel[find(parent, p)]!;
  }
  return { labels, count, shape: [rows, cols] };
}
