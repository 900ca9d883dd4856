/**
 * Sub-pixel clustering of the final positions for small cells, the `cluster` branch of Omnipose
 * 1.0.6 `omnipose.core.get_masks`: `sklearn.cluster.DBSCAN(eps=√2, min_samples=5)` on the final
 * positions, then outliers "snapped" to the cluster of their nearest clustered point among their
 * 50 nearest neighbours (`NearestNeighbors(n_neighbors=50)`; the point itself counts, and labels
 * are read before any outlier is reassigned).
 *
 * DBSCAN semantics follow scikit-learn's `dbscan_inner`: a point is core when at least
 * `minSamples` points (itself included) lie within `eps` (inclusive); clusters grow from core
 * points in point order (raster order of the pixels), and a border point joins the first cluster
 * that reaches it. Neighbours come from a uniform grid hash with cells of side `eps` (only the
 * 3 × 3 block around a point can hold neighbours), with a per-cell count of unlabelled points so
 * that dense collapsed clusters are expanded in linear time.
 *
 * Differences from Omnipose, both corner cases: an outlier with no clustered point among its 50
 * nearest stays background (Omnipose gives it cluster 0, i.e. mask 1, an artefact of
 * `labels[o_inds] = 0`); a single outlier is left unsnapped, as Omnipose does (`len(o_inds) > 1`).
 */
import { buildPointGrid, KNearest, type PointGrid } from './point-grid.ts';

export interface ClusterOptions {
  /** neighbourhood radius; Omnipose: √2 */
  eps: number;
  /** minimum neighbourhood size of a core point, itself included; Omnipose: 5 */
  minSamples: number;
  /** neighbours searched when snapping outliers; Omnipose: 50 */
  snapNeighbors: number;
}

/** Cluster id per point (−1 = noise) and the number of clusters. */
export function dbscan(
  positions: Float32Array,
  rows: number,
  cols: number,
  options: ClusterOptions,
): { clusters: Int32Array; count: number } {
  const grid = buildPointGrid(positions, rows, cols, options.eps);
  const npts = positions.length / 2;
  const eps2 = options.eps * options.eps;
  const core = new Uint8Array(npts);
  for (let i = 0; i < npts; i++) {
    if (countWithin(grid, i, eps2, options.minSamples) >= options.minSamples) core[i] = 1;
  }
  const clusters = new Int32Array(npts).fill(-1);
  const remaining = grid.cellStart.slice(1);
  for (let k = remaining.length - 1; k > 0; k--) remaining[k] = remaining[k]! - remaining[k - 1]!;
  const stack = new Int32Array(npts);
  let count = 0;
  for (let i = 0; i < npts; i++) {
    if (clusters[i] !== -1 || core[i] === 0) continue;
    clusters[i] = count;
    remaining[grid.cellOf[i]!]!--;
    let top = 0;
    stack[top++] = i;
    while (top > 0) {
      const q = stack[--top]!;
      if (core[q] === 0) continue;
      const y = positions[2 * q]!;
      const x = positions[2 * q + 1]!;
      const gr = (grid.cellOf[q]! / grid.gridCols) | 0;
      const gc = grid.cellOf[q]! - gr * grid.gridCols;
      for (let r = Math.max(0, gr - 1); r <= Math.min(grid.gridRows - 1, gr + 1); r++) {
        for (let c = Math.max(0, gc - 1); c <= Math.min(grid.gridCols - 1, gc + 1); c++) {
          const cell = r * grid.gridCols + c;
          if (remaining[cell] === 0) continue;
          for (let s = grid.cellStart[cell]!; s < grid.cellStart[cell + 1]!; s++) {
            const v = grid.order[s]!;
            if (clusters[v] !== -1) continue;
            const dy = positions[2 * v]! - y;
            const dx = positions[2 * v + 1]! - x;
            if (dy * dy + dx * dx > eps2) continue;
            clusters[v] = count;
            remaining[cell]!--;
            stack[top++] = v;
          }
        }
      }
    }
    count++;
  }
  snapOutliers(grid, clusters, count, options.snapNeighbors);
  return { clusters, count };
}

/** Points within `sqrt(eps2)` of point i, itself included, counted up to `cap`. */
function countWithin(grid: PointGrid, i: number, eps2: number, cap: number): number {
  const { gridRows, gridCols, cellStart, order, positions } = grid;
  const y = positions[2 * i]!;
  const x = positions[2 * i + 1]!;
  const gr = (grid.cellOf[i]! / gridCols) | 0;
  const gc = grid.cellOf[i]! - gr * gridCols;
  let n = 0;
  for (let r = Math.max(0, gr - 1); r <= Math.min(gridRows - 1, gr + 1); r++) {
    for (let c = Math.max(0, gc - 1); c <= Math.min(gridCols - 1, gc + 1); c++) {
      const cell = r * gridCols + c;
      for (let s = cellStart[cell]!; s < cellStart[cell + 1]!; s++) {
        const v = order[s]!;
        const dy = positions[2 * v]! - y;
        const dx = positions[2 * v + 1]! - x;
        if (dy * dy + dx * dx <= eps2 && ++n >= cap) return n;
      }
    }
  }
  return n;
}

/** Outliers take the cluster of their nearest clustered point if it is among their k nearest. */
function snapOutliers(grid: PointGrid, clusters: Int32Array, count: number, k: number): void {
  const outliers: number[] = [];
  for (let i = 0; i < clusters.length; i++) if (clusters[i] === -1) outliers.push(i);
  if (outliers.length <= 1 || count === 0) return;
  const heap = new KNearest(k);
  // labels are read before any outlier is reassigned, as Omnipose does
  const snapped = outliers.map((o) => {
    heap.search(grid, o);
    return heap.firstClustered(clusters);
  });
  outliers.forEach((o, j) => {
    clusters[o] = snapped[j]!;
  });
}
