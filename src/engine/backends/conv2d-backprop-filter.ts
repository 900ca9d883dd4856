/**
 * Gradient of a 2-D convolution with respect to its filter, written with TensorFlow.js ops so that
 * it runs on any backend through that backend's own `Slice`, `Transpose` and `BatchMatMul`
 * kernels. TensorFlow.js 4.22's `wasm` backend has no `Conv2DBackpropFilter` kernel (tfjs #8474),
 * so without this no convolution can be trained there.
 *
 * For a kh×kw filter with stride (sh, sw) and the input zero-padded as in the forward pass,
 *
 *   dW[i, j, c, o] = Σ_{n, y, x} xPad[n, y·sh + i, x·sw + j, c] · dy[n, y, x, o],
 *
 * i.e. one matrix product per tap (i, j) between the input window at that tap and dy, both
 * flattened to m = N·outH·outW rows. The input is transposed once to channels-first, so that each
 * tap's window is a [inC, m] matrix whose long dimension m is contiguous, and the product is
 * `matMul(window[inC, m], dy[m, outC])` with neither operand transposed. Measured on wasm for
 * 8×64²×32→32: 110 ms, against 210 ms for `matMul(dyᵀ[outC, m], windowNHWC[m, inC])` and 730 ms with
 * a transposed-A product. Only one window is alive at a time, so the extra memory is one copy of
 * the input instead of the k² copies of an im2col matrix. (A forward conv of the channels-first
 * input by dy as a [outH, outW, N, outC] filter also gives dW: 1.6× faster at 256²×32 channels,
 * 1.5× slower at 32²×256; not used.)
 *
 * Reference: tfjs-backend-cpu `Conv2DBackpropFilter` (the loop this replaces) and TensorFlow's
 * `Conv2DBackpropFilterOp`; checked against the `cpu` backend in tests/engine/backends.test.ts.
 */
import {
  backend_util,
  matMul,
  pad,
  reshape,
  slice,
  stack,
  type Tensor4D,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';

/** The attributes of the `Conv2DBackpropFilter` kernel, as TensorFlow.js passes them. */
export interface BackpropFilterOptions {
  /** [kh, kw, inC, outC]. */
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dL/dW of `conv2d(x, W)` given dL/dy, for dilation 1 (the only case TensorFlow.js differentiates).
 *
 * @param x the forward input, [N, H, W, inC] (or [N, inC, H, W] when `dataFormat` is 'NCHW').
 * @param dy the gradient of the forward output, in the same layout as `x`.
 * @returns a [kh, kw, inC, outC] filter gradient.
 */
export function conv2dBackpropFilter(x: Tensor4D, dy: Tensor4D, options: BackpropFilterOptions): Tensor4D {
  const channelsFirst = options.dataFormat === 'NCHW';
  return tidy(() => {
    // Work channels-first throughout: [C, N, H, W] makes each tap's window an m-contiguous matrix.
    const xCnhw = transpose(x, channelsFirst ? [1, 0, 2, 3] : [3, 0, 1, 2]);
    const dyNhwc = channelsFirst ? transpose(dy, [0, 2, 3, 1]) : dy;
    const nhwcShape: [number, number, number, number] = channelsFirst
      ? [x.shape[0], x.shape[2], x.shape[3], x.shape[1]]
      : x.shape;
    const info = backend_util.computeConv2DInfo(
      nhwcShape,
      options.filterShape,
      options.strides,
      1,
      options.pad,
      options.dimRoundingMode,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
    if (dyNhwc.shape[1] !== outHeight || dyNhwc.shape[2] !== outWidth || dyNhwc.shape[3] !== outChannels) {
      throw new Error(
        `conv2dBackpropFilter: dy has shape [${dy.shape}] but the convolution of x [${x.shape}] by a ` +
          `[${options.filterShape}] filter gives [${batchSize},${outHeight},${outWidth},${outChannels}]`,
      );
    }
    // Each tap reads a block of out·stride rows/columns from offset i (j): pad (or crop by slicing)
    // so that the last one, at k − 1, fits.
    const padBottom = Math.max(0, kh - 1 + outHeight * sh - padInfo.top - inHeight);
    const padRight = Math.max(0, kw - 1 + outWidth * sw - padInfo.left - inWidth);
    const xPad =
      padInfo.top + padBottom + padInfo.left + padRight === 0
        ? xCnhw
        : pad(xCnhw, [
            [0, 0],
            [0, 0],
            [padInfo.top, padBottom],
            [padInfo.left, padRight],
          ]);
    const m = batchSize * outHeight * outWidth;
    const dyMatrix = reshape(dyNhwc, [m, outChannels]);
    const taps = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // One window at a time: the slice is freed as soon as its product is taken.
        taps.push(
          tidy(() => {
            const block = slice(xPad, [0, 0, i, j], [inChannels, batchSize, outHeight * sh, outWidth * sw]);
            // Stride s: every s-th row/column is sub-index 0 of a [C·N·outH, s, outW, s] view (4-D
            // Slice; wasm's StridedSlice is ~10× slower).
            const window =
              sh === 1 && sw === 1
                ? block
                : slice(reshape(block, [inChannels * batchSize * outHeight, sh, outWidth, sw]), 0, [
                    inChannels * batchSize * outHeight,
                    1,
                    outWidth,
                    1,
                  ]);
            return matMul(reshape(window, [inChannels, m]), dyMatrix);
          }),
        );
      }
    }
    return reshape(stack(taps), [kh, kw, inChannels, outChannels]) as Tensor4D;
  });
}
