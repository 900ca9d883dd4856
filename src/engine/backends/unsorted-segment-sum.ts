/**
 * `UnsortedSegmentSum` written with TensorFlow.js ops, for backends that lack the kernel
 * (TensorFlow.js 4.22's `wasm`, tfjs #8082). The gradient of `gather` (GatherV2) is an unsorted
 * segment sum of dy over the gathered indices, so any loss that samples a prediction at given
 * pixels — the bilinear-sampling loss of the training engine — needs it.
 *
 *   out[s, …] = Σ_{k : ids[k] = s} x[k, …],   s ∈ [0, numSegments),
 *
 * computed by one `scatterND` (which accumulates duplicate indices) of x, flattened to
 * [n, …rest], into numSegments + 1 rows. Ids outside [0, numSegments) — which TensorFlow drops —
 * are sent to the extra last row, which is then sliced away, so a bad id can never write outside
 * the output buffer.
 *
 * Reference: TensorFlow `UnsortedSegmentSum` semantics; tfjs-backend-cpu
 * `unsortedSegmentSum`; checked against the `cpu` backend in tests/engine/backends.test.ts.
 */
import {
  cast,
  greaterEqual,
  less,
  logicalAnd,
  reshape,
  scalar,
  scatterND,
  slice,
  type Tensor,
  tidy,
  where,
  zeros,
} from '@tensorflow/tfjs-core';

/**
 * Sums the slices of `x` that share a segment id.
 *
 * @param x values whose leading dimensions match `segmentIds`' shape, [...idsShape, ...rest].
 * @param segmentIds int32 segment id per leading entry of x, of any rank (TensorFlow semantics; the
 *   tfjs op takes 1-D ids only, and tfjs-backend-cpu sums differently for higher ranks).
 * @param numSegments number of output rows.
 * @returns [numSegments, ...rest] in x's dtype.
 */
export function unsortedSegmentSum(x: Tensor, segmentIds: Tensor, numSegments: number): Tensor {
  const idsRank = segmentIds.rank;
  for (let d = 0; d < idsRank; d++) {
    if (x.shape[d] !== segmentIds.shape[d]) {
      throw new Error(
        `unsortedSegmentSum: segmentIds shape [${segmentIds.shape}] is not a prefix of x shape [${x.shape}]`,
      );
    }
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const rest = x.shape.slice(idsRank);
  const n = segmentIds.size;
  if (n === 0) return zeros([numSegments, ...rest], x.dtype);
  return tidy(() => {
    const ids = reshape(cast(segmentIds, 'int32'), [n, 1]);
    const valid = logicalAnd(greaterEqual(ids, 0), less(ids, numSegments));
    const safeIds = where(valid, ids, scalar(numSegments, 'int32'));
    const values = reshape(x, [n, ...rest]);
    const summed = scatterND(safeIds, values, [numSegments + 1, ...rest]);
    return slice(summed, 0, numSegments);
  });
}
