/**
 * Gradient of nearest-neighbour resizing (kernel `ResizeNearestNeighborGrad`, the backward pass of
 * U-Net upsampling) written with TensorFlow.js ops. It replaces two wrong kernels of 4.22:
 * - tfjs-backend-cpu reads dy of image b at b × (the *input* image size) instead of b × (the dy
 *   image size) (`dyROffset = batchOffset + …` in ResizeNearestNeighborGrad.ts), so every image
 *   after the first gets another image's gradient when upsampling with batch > 1;
 * - both cpu and wasm ignore `halfPixelCenters`, so their gradient disagrees with the forward
 *   mapping when it is set and the scale is not an integer.
 *
 * Nearest resizing copies input row src(r) to output row r (and likewise for columns), so its
 * gradient is two segment sums: dx[n, a, b, c] = Σ_{r: srcRow(r) = a} Σ_{q: srcCol(q) = b} dy[n, r, q, c].
 * The maps srcRow/srcCol are read off the backend's own forward op applied to an image of row
 * (column) indices, so the gradient always matches the forward pass, whatever the flags.
 * Reference: TensorFlow `ResizeNearestNeighborOpGrad`; checked against a brute-force sum over the
 * forward map in tests/engine/backends.test.ts.
 */
import { cast, image, range, reshape, type Tensor4D, tidy, transpose } from '@tensorflow/tfjs-core';
import { unsortedSegmentSum } from './unsorted-segment-sum.ts';

/** The forward flags the gradient must mirror. */
export interface ResizeNearestOptions {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** For each of `outSize` output rows (or columns), the input row it was copied from. */
function sourceIndex(
  inSize: number,
  outSize: number,
  along: 'rows' | 'columns',
  options: ResizeNearestOptions,
) {
  const index = range(0, inSize, 1, 'float32');
  const img = reshape(index, along === 'rows' ? [1, inSize, 1, 1] : [1, 1, inSize, 1]) as Tensor4D;
  const size: [number, number] = along === 'rows' ? [outSize, 1] : [1, outSize];
  const resized = image.resizeNearestNeighbor(img, size, options.alignCorners, options.halfPixelCenters);
  return cast(reshape(resized, [outSize]), 'int32');
}

/**
 * dL/dimages of `image.resizeNearestNeighbor(images, [yH, yW], …)` given dL/dy.
 *
 * @param dy [N, yH, yW, C].
 * @param imagesShape the forward input's shape, [N, xH, xW, C].
 * @returns float32 dx of shape `imagesShape`.
 */
export function resizeNearestNeighborBackprop(
  dy: Tensor4D,
  imagesShape: [number, number, number, number],
  options: ResizeNearestOptions,
): Tensor4D {
  const [, xh, xw] = imagesShape;
  const [, yh, yw] = dy.shape;
  return tidy(() => {
    const rows = sourceIndex(xh, yh, 'rows', options);
    const columns = sourceIndex(xw, yw, 'columns', options);
    // Segment sums run over the leading axis: rows first ([yH, N, yW, C] → [xH, N, yW, C]),
    // then columns ([yW, N, xH, C] → [xW, N, xH, C]); all transposes stay 4-D (fast on wasm).
    const byRow = unsortedSegmentSum(transpose(cast(dy, 'float32'), [1, 0, 2, 3]), rows, xh);
    const byColumn = unsortedSegmentSum(transpose(byRow, [2, 1, 0, 3]), columns, xw);
    return transpose(byColumn, [1, 2, 0, 3]) as Tensor4D;
  });
}
