/**
 * The one-to-one object assignment of StarDist's `matching` (stardist/matching.py, `_single`):
 * minimise, over assignments of `n = min(n_true, n_pred)` pairs,
 *
 *     cost(i, j) = −[IoU(i, j) ≥ τ] − IoU(i, j) / (2n)
 *
 * so the number of pairs reaching τ is maximised first and, among those assignments, the sum of
 * IoUs breaks ties (the second term adds up to at most ½ and cannot outweigh one more match).
 *
 * StarDist solves the dense `n_true × n_pred` problem. Pairs that share no pixel have IoU 0 and,
 * for τ > 0, cost 0, the largest possible cost; so an optimal dense assignment is a maximum-weight
 * matching of the sparse overlap graph padded with zero-cost pairs, and that matching splits over
 * the connected components of the graph (objects and the objects they overlap). Each component is
 * solved densely with {@link linearSumAssignment}; most are 1×1 or 1×2. For τ ≤ 0 every pair counts
 * as a match and only the IoU term varies, which splits the same way.
 *
 * The IoU term is computed in float32 (`scores / (2*n_matched)` on a float32 array in NumPy) so
 * that near-ties resolve as in StarDist, and τ is compared as float32 (see below).
 */
import { linearSumAssignment } from './hungarian.ts';
import type { LabelOverlap } from './overlap.ts';

/** Assigned object pairs that overlap, in increasing order of the true index. */
export interface ObjectAssignment {
  /** true object (1-based, as in the overlap) */
  trueIndex: Uint32Array;
  /** its predicted partner (1-based) */
  predIndex: Uint32Array;
  /** float32 IoU of the pair (> 0) */
  score: Float64Array;
}

function findRoot(parent: Int32Array, node: number): number {
  while (parent[node] !== node) {
    parent[node] = parent[parent[node]!]!; // path halving
    node = parent[node]!;
  }
  return node;
}

/**
 * Solves the assignment for threshold `thresh` given the overlaps and their float32 IoUs
 * (`iou[k]` for pair `k` of `overlap`). Pairs of the optimal dense assignment that share no pixel
 * (IoU 0) are not returned.
 */
export function assignObjects(overlap: LabelOverlap, iou: Float64Array, thresh: number): ObjectAssignment {
  const { nTrue, nPred, trueIndex, predIndex } = overlap;
  const nMatched = Math.min(nTrue, nPred);
  const pairCount = trueIndex.length;
  if (nMatched === 0 || pairCount === 0) {
    return { trueIndex: new Uint32Array(0), predIndex: new Uint32Array(0), score: new Float64Array(0) };
  }
  const tieScale = Math.fround(2 * nMatched);
  // NumPy compares the float32 scores with τ cast to float32 (a Python float is "weak" under
  // NEP 50): an IoU of float32(0.7) = 0.699999988 reaches τ = 0.7
  const tau = Math.fround(thresh);
  // union-find over nodes: true object t → t − 1, predicted object p → nTrue + p − 1
  const parent = Int32Array.from({ length: nTrue + nPred }, (_, k) => k);
  for (let k = 0; k < pairCount; k++) {
    const a = findRoot(parent, trueIndex[k]! - 1);
    const b = findRoot(parent, nTrue + predIndex[k]! - 1);
    if (a !== b) parent[a] = b;
  }
  const pairsByComponent = new Map<number, number[]>();
  for (let k = 0; k < pairCount; k++) {
    const root = findRoot(parent, trueIndex[k]! - 1);
    const list = pairsByComponent.get(root);
    if (list) list.push(k);
    else pairsByComponent.set(root, [k]);
  }

  const outTrue: number[] = [];
  const outPred: number[] = [];
  const outScore: number[] = [];
  for (const pairs of pairsByComponent.values()) {
    if (pairs.length === 1) {
      // a lone overlapping pair: matching it never costs more than leaving it
      const k = pairs[0]!;
      outTrue.push(trueIndex[k]!);
      outPred.push(predIndex[k]!);
      outScore.push(iou[k]!);
      continue;
    }
    // local row/column numbering; pairs are sorted by true index, so rows come out sorted
    const rowOf = new Map<number, number>();
    const colOf = new Map<number, number>();
    const rowLabel: number[] = [];
    const colLabel: number[] = [];
    for (const k of pairs) {
      if (!rowOf.has(trueIndex[k]!)) {
        rowOf.set(trueIndex[k]!, rowLabel.length);
        rowLabel.push(trueIndex[k]!);
      }
      if (!colOf.has(predIndex[k]!)) {
        colOf.set(predIndex[k]!, colLabel.length);
        colLabel.push(predIndex[k]!);
      }
    }
    const rows = rowLabel.length;
    const cols = colLabel.length;
    const cost = new Float64Array(rows * cols); // pairs without overlap cost 0 (τ > 0)
    const score = new Float64Array(rows * cols);
    for (const k of pairs) {
      const cell = rowOf.get(trueIndex[k]!)! * cols + colOf.get(predIndex[k]!)!;
      const s = iou[k]!;
      score[cell] = s;
      // for τ ≤ 0 the −1 applies to every pair alike, including non-overlapping ones: drop it
      const hit = tau > 0 && s >= tau ? 1 : 0;
      cost[cell] = -hit - Math.fround(s / tieScale);
    }
    const { rowIndices, colIndices } = linearSumAssignment(cost, rows, cols);
    for (let a = 0; a < rowIndices.length; a++) {
      const cell = rowIndices[a]! * cols + colIndices[a]!;
      if (score[cell]! > 0) {
        outTrue.push(rowLabel[rowIndices[a]!]!);
        outPred.push(colLabel[colIndices[a]!]!);
        outScore.push(score[cell]!);
      }
    }
  }
  const order = Array.from(outTrue.keys()).sort((a, b) => outTrue[a]! - outTrue[b]!);
  return {
    trueIndex: Uint32Array.from(order, (k) => outTrue[k]!),
    predIndex: Uint32Array.from(order, (k) => outPred[k]!),
    score: Float64Array.from(order, (k) => outScore[k]!),
  };
}
