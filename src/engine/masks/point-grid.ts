/**
 * A uniform grid hash over 2-D points (the final Euler positions) for fixed-radius and k-nearest
 * neighbour queries, standing in for scikit-learn's trees in DBSCAN and `NearestNeighbors`.
 * Points are bucketed by a stable counting sort, so each cell lists its points in point order.
 * Memory: three int32 arrays (cells + 1, points, points); no per-query allocation.
 */

export interface PointGrid {
  /** interleaved `[y, x]` */
  positions: Float32Array;
  cellSize: number;
  gridRows: number;
  gridCols: number;
  /** points of cell k are `order[cellStart[k] .. cellStart[k+1])` */
  cellStart: Int32Array;
  order: Int32Array;
  /** cell of each point */
  cellOf: Int32Array;
}

/** Buckets points lying in [0, rows−1] × [0, cols−1] into square cells of side `cellSize`. */
export function buildPointGrid(
  positions: Float32Array,
  rows: number,
  cols: number,
  cellSize: number,
): PointGrid {
  const npts = positions.length / 2;
  const gridRows = Math.floor(Math.max(rows - 1, 0) / cellSize) + 1;
  const gridCols = Math.floor(Math.max(cols - 1, 0) / cellSize) + 1;
  const cellOf = new Int32Array(npts);
  const cellStart = new Int32Array(gridRows * gridCols + 1);
  for (let i = 0; i < npts; i++) {
    const r = Math.min(gridRows - 1, Math.floor(positions[2 * i]! / cellSize));
    const c = Math.min(gridCols - 1, Math.floor(positions[2 * i + 1]! / cellSize));
    const cell = r * gridCols + c;
    cellOf[i] = cell;
    cellStart[cell + 1]!++;
  }
  for (let k = 1; k < cellStart.length; k++) cellStart[k]! += cellStart[k - 1]!;
  const fill = cellStart.slice(0, -1);
  const order = new Int32Array(npts);
  for (let i = 0; i < npts; i++) order[fill[cellOf[i]!]!++] = i;
  return { positions, cellSize, gridRows, gridCols, cellStart, order, cellOf };
}

/**
 * The k nearest points of a query point (itself included), by a ring search over the grid with a
 * bounded max-heap; reusable across queries. Ties in distance go to the lower point index.
 */
export class KNearest {
  private readonly dist: Float64Array;
  private readonly index: Int32Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.dist = new Float64Array(k);
    this.index = new Int32Array(k);
  }

  search(grid: PointGrid, query: number): void {
    const { gridRows, gridCols, cellStart, order, cellSize, positions } = grid;
    const y = positions[2 * query]!;
    const x = positions[2 * query + 1]!;
    const gr = grid.cellOf[query]! / gridCols;
    const qr = gr | 0;
    const qc = grid.cellOf[query]! - qr * gridCols;
    this.size = 0;
    const maxRing = Math.max(gridRows, gridCols);
    for (let ring = 0; ring <= maxRing; ring++) {
      for (let r = qr - ring; r <= qr + ring; r++) {
        if (r < 0 || r >= gridRows) continue;
        // whole rows at the top and bottom of the ring, only the two ends in between
        const step = ring === 0 || r === qr - ring || r === qr + ring ? 1 : 2 * ring;
        for (let c = qc - ring; c <= qc + ring; c += step) {
          if (c < 0 || c >= gridCols) continue;
          const cell = r * gridCols + c;
          for (let s = cellStart[cell]!; s < cellStart[cell + 1]!; s++) {
            const v = order[s]!;
            const dy = positions[2 * v]! - y;
            const dx = positions[2 * v + 1]! - x;
            this.offer(dy * dy + dx * dx, v);
          }
        }
      }
      // every point not seen yet lies at least ring · cellSize away
      const reach = ring * cellSize;
      if (this.size === this.k && this.dist[0]! <= reach * reach) break;
    }
  }

  /** Cluster of the nearest of the k points whose cluster is not −1, or −1. */
  firstClustered(clusters: Int32Array): number {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let j = 0; j < this.size; j++) {
      const v = this.index[j]!;
      if (clusters[v] === -1) continue;
      const d = this.dist[j]!;
      if (d < bestD || (d === bestD && v < best)) {
        bestD = d;
        best = v;
      }
    }
    return best < 0 ? -1 : clusters[best]!;
  }

  /** Max-heap on (distance, index) holding the k smallest seen. */
  private offer(d: number, v: number): void {
    const { dist, index } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!greater(d, v, dist[p]!, index[p]!)) break;
        dist[i] = dist[p]!;
        index[i] = index[p]!;
        i = p;
      }
      dist[i] = d;
      index[i] = v;
      return;
    }
    if (!greater(dist[0]!, index[0]!, d, v)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const m = r < this.k && greater(dist[r]!, index[r]!, dist[l]!, index[l]!) ? r : l;
      if (!greater(dist[m]!, index[m]!, d, v)) break;
      dist[i] = dist[m]!;
      index[i] = index[m]!;
      i = m;
    }
    dist[i] = d;
    index[i] = v;
  }
}

function greater(d1: number, i1: number, d2: number, i2: number): boolean {
  return d1 > d2 || (d1 === d2 && i1 > i2);
}
