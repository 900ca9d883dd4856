/**
 * Which labels touch, for display colouring (ALGORITHM.md §8, after the `ncolor` package 1.2.1
 * that Omnipose uses: `ncolor.label` → `expand_labels`, `connect`, `mapidx`).
 *
 * Labels are first expanded into the background, every background pixel taking the label of its
 * nearest labelled pixel (exact EDT feature transform, as `ncolor.expand_labels` does with
 * `scipy.ndimage.distance_transform_edt(return_indices=True)`), so that objects separated by a
 * thin gap also count as neighbours and get different colours. Adjacency is then 8-connected.
 *
 * The graph is returned in CSR form (`start`, `neighbors`) over labels 1..count, duplicates
 * removed; building it needs no pair key, so nothing overflows however many labels there are
 * (ncolor's `rst[:,0] << 16` key does beyond 65,535 labels).
 */
import { distanceToSeeds } from '../edt/index.ts';

export interface LabelGraph {
  /** number of labels (vertices 1..count) */
  count: number;
  /** neighbours of label k: `neighbors[start[k] .. start[k+1])`, increasing */
  start: Int32Array;
  neighbors: Int32Array;
}

/** `labels` hold 0 (background) and 1..count. */
export function labelAdjacency(labels: Uint32Array, rows: number, cols: number, count: number): LabelGraph {
  const expanded = expandLabels(labels, rows, cols);
  // pass 1 counts, pass 2 fills: each 8-neighbour pair with different labels, both directions
  const degree = new Int32Array(count + 2);
  visitPairs(expanded, rows, cols, (a, b) => {
    degree[a + 1]!++;
    degree[b + 1]!++;
  });
  for (let k = 1; k < degree.length; k++) degree[k]! += degree[k - 1]!;
  const fill = degree.slice(0, count + 1);
  const raw = new Int32Array(degree[count + 1]!);
  visitPairs(expanded, rows, cols, (a, b) => {
    raw[fill[a]!++] = b;
    raw[fill[b]!++] = a;
  });
  // deduplicate each list (a stamp per label), then sort it
  const stamp = new Int32Array(count + 1);
  const start = new Int32Array(count + 2);
  let w = 0;
  for (let k = 1; k <= count; k++) {
    start[k] = w;
    const from = w;
    for (let s = degree[k]!; s < degree[k + 1]!; s++) {
      const v = raw[s]!;
      if (stamp[v] === k) continue;
      stamp[v] = k;
      raw[w++] = v;
    }
    raw.subarray(from, w).sort();
  }
  start[count + 1] = w;
  return { count, start, neighbors: raw.slice(0, w) };
}

/** Every background pixel takes the label of its nearest labelled pixel. */
export function expandLabels(labels: Uint32Array, rows: number, cols: number): Uint32Array {
  const { feature } = distanceToSeeds({ data: labels, shape: [rows, cols] }, { feature: true });
  const out = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const f = feature![i]!;
    out[i] = f < 0 ? 0 : labels[f]!;
  }
  return out;
}

/** Calls `visit(a, b)` for each 8-adjacent pixel pair with two different nonzero labels. */
function visitPairs(l: Uint32Array, rows: number, cols: number, visit: (a: number, b: number) => void): void {
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const a = l[i]!;
      if (a === 0) continue;
      // right, and the three neighbours of the next row: each unordered pair is seen once
      if (c + 1 < cols) pair(a, l[i + 1]!, visit);
      if (r + 1 < rows) {
        if (c > 0) pair(a, l[i + cols - 1]!, visit);
        pair(a, l[i + cols]!, visit);
        if (c + 1 < cols) pair(a, l[i + cols + 1]!, visit);
      }
    }
  }
}

function pair(a: number, b: number, visit: (a: number, b: number) => void): void {
  if (b !== 0 && b !== a) visit(a, b);
}
