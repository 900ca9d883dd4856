/**
 * Minimum-cost assignment for a rectangular cost matrix (the linear sum assignment problem), the
 * role `scipy.optimize.linear_sum_assignment` plays in StarDist's `matching`.
 *
 * Algorithm: the O(n²·m) shortest-augmenting-path form of the Hungarian method (Kuhn 1955,
 * Munkres 1957) with dual potentials as in Jonker & Volgenant (1987). Rows are inserted one at a
 * time; for each, a Dijkstra-like search over reduced costs `c[i][j] − u[i] − v[j]` (never
 * negative for tight potentials) finds the cheapest alternating path to a free column, the
 * potentials are raised by the search distances, and the path is flipped. With `n ≤ m` every row
 * gets a column; a matrix with more rows than columns is solved transposed.
 *
 * Output follows scipy: `rowIndices` ascending, `colIndices[k]` the column of row
 * `rowIndices[k]`, `min(rows, cols)` pairs. Among several optimal assignments the one returned
 * may differ from scipy's; the total cost is the same.
 *
 * @example
 * ```ts
 * const { rowIndices, colIndices } = linearSumAssignment(new Float64Array([4, 1, 3, 2, 0, 5]), 2, 3);
 * // rows [0, 1] get columns [1, 0]: cost 1 + 2 = 3
 * ```
 */
import { ShapeError, ValueError } from '../errors.ts';

export interface Assignment {
  rowIndices: Int32Array;
  colIndices: Int32Array;
}

/**
 * Solves a `rows × cols` problem given row-major `cost` (`cost[r * cols + c]`), all finite.
 * Throws ShapeError if `cost.length !== rows * cols`, ValueError for a NaN or infinite cost.
 */
export function linearSumAssignment(
  cost: Float64Array | Float32Array | readonly number[],
  rows: number,
  cols: number,
): Assignment {
  if (
    !Number.isInteger(rows) ||
    !Number.isInteger(cols) ||
    rows < 0 ||
    cols < 0 ||
    cost.length !== rows * cols
  ) {
    throw new ShapeError(`cost has ${cost.length} values, which is not a [${rows}, ${cols}] matrix`);
  }
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k])) {
      throw new ValueError(
        `cost[${Math.floor(k / cols)}][${k % cols}] is ${cost[k]}; every cost must be finite`,
      );
    }
  }
  if (rows <= cols) {
    const colOfRow = solveWide(Float64Array.from(cost), rows, cols);
    return { rowIndices: Int32Array.from({ length: rows }, (_, r) => r), colIndices: colOfRow };
  }
  // more rows than columns: assign every column to a row on the transpose, then sort by row
  const transposed = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) transposed[c * rows + r] = cost[r * cols + c]!;
  const rowOfCol = solveWide(transposed, cols, rows);
  const order = Array.from({ length: cols }, (_, c) => c).sort((a, b) => rowOfCol[a]! - rowOfCol[b]!);
  return {
    rowIndices: Int32Array.from(order, (c) => rowOfCol[c]!),
    colIndices: Int32Array.from(order),
  };
}

/**
 * Core solver for `n ≤ m`: returns the column of each row. Internally columns are numbered
 * `1..m` and column `0` is a virtual column holding the row being inserted, which keeps the
 * path bookkeeping free of special cases.
 */
function solveWide(cost: Float64Array, n: number, m: number): Int32Array {
  const rowPotential = new Float64Array(n + 1); // u, rows 1..n
  const colPotential = new Float64Array(m + 1); // v, columns 0..m
  const rowOfCol = new Int32Array(m + 1); // 1-based row matched to each column, 0 = free
  const previousCol = new Int32Array(m + 1); // predecessor column on the shortest path tree
  const distance = new Float64Array(m + 1); // tentative reduced path length to each column
  const done = new Uint8Array(m + 1); // column already settled in this search

  for (let row = 1; row <= n; row++) {
    rowOfCol[0] = row;
    distance.fill(Number.POSITIVE_INFINITY);
    done.fill(0);
    let col = 0;
    do {
      done[col] = 1;
      const fromRow = rowOfCol[col]!;
      const base = (fromRow - 1) * m - 1; // cost[base + j] for column j in 1..m
      const u = rowPotential[fromRow]!;
      let step = Number.POSITIVE_INFINITY;
      let next = -1;
      for (let j = 1; j <= m; j++) {
        if (done[j]) continue;
        const reduced = cost[base + j]! - u - colPotential[j]!;
        if (reduced < distance[j]!) {
          distance[j] = reduced;
          previousCol[j] = col;
        }
        if (distance[j]! < step) {
          step = distance[j]!;
          next = j;
        }
      }
      // shift potentials so settled columns stay tight and the rest keep their reduced distance
      for (let j = 0; j <= m; j++) {
        if (done[j]) {
          rowPotential[rowOfCol[j]!]! += step;
          colPotential[j]! -= step;
        } else {
          distance[j]! -= step;
        }
      }
      col = next;
    } while (rowOfCol[col] !== 0);
    // flip the augmenting path back to the virtual column
    while (col !== 0) {
      const prev = previousCol[col]!;
      rowOfCol[col] = rowOfCol[prev]!;
      col = prev;
    }
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOfCol[j] !== 0) colOfRow[rowOfCol[j]! - 1] = j - 1;
  return colOfRow;
}
