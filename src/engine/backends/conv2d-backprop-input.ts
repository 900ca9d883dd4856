/**
 * Gradient of a stride-1 2-D convolution with respect to its input, computed as a forward
 * convolution. TensorFlow.js 4.22's `wasm` backend has a `Conv2DBackpropInput` kernel, but it is a
 * plain C loop, ~13× slower than its XNNPACK `Conv2D` on a 3×3, 32→32 layer; this rewrite lets the
 * backward pass use that fast forward kernel.
 *
 * With stride 1 the forward pass is y[o] = Σ_i xPad[o + i] · W[i] (per spatial axis, padding
 * `top` before and `bottom` after). Substituting j = k − 1 − i,
 *
 *   dx[p] = Σ_i dy[p + top − i] · W[i] = Σ_j dyPad[p + j] · W[k − 1 − j],
 *
 * a forward convolution of dy, padded by k − 1 − top before and k − 1 − bottom after, with the
 * filter flipped spatially and its input/output channels swapped ([kh, kw, outC, inC]). For the
 * usual odd-k 'same' case both paddings equal (k − 1) / 2, i.e. a 'same' convolution again.
 * Strides > 1, the channels-first layout, or paddings larger than k − 1 are not handled here:
 * `canBackpropInputByConv` says so and the caller keeps the backend's own kernel for them.
 *
 * Reference: the transposed-convolution identity in Dumoulin & Visin, "A guide to convolution
 * arithmetic for deep learning" (2016), §4.1; checked against the `cpu` backend in
 * tests/engine/backends.test.ts.
 */
import { backend_util, conv2d, reverse, type Tensor4D, tidy, transpose } from '@tensorflow/tfjs-core';

/** The attributes of the `Conv2DBackpropInput` kernel, as TensorFlow.js passes them. */
export interface BackpropInputOptions {
  /** Shape of the forward input x, [N, H, W, inC]. */
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The explicit [[0,0],[top,bottom],[left,right],[0,0]] padding of the equivalent forward conv. */
function flippedPadding(filterShape: number[], options: BackpropInputOptions): backend_util.ExplicitPadding {
  const [kh, kw] = filterShape;
  const info = backend_util.computeConv2DInfo(
    options.inputShape,
    filterShape as [number, number, number, number],
    options.strides,
    1,
    options.pad,
    options.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  // With stride 1 the forward output has H + top + bottom − kh + 1 rows, so these pads give H rows.
  return [
    [0, 0],
    [kh - 1 - top, kh - 1 - bottom],
    [kw - 1 - left, kw - 1 - right],
    [0, 0],
  ];
}

/**
 * True when {@link conv2dBackpropInputByConv} applies: channels-last, stride 1, and forward
 * paddings within [0, k − 1] (always the case for 'same' and 'valid').
 */
export function canBackpropInputByConv(filterShape: number[], options: BackpropInputOptions): boolean {
  if (options.dataFormat === 'NCHW') return false;
  const [sh, sw] = typeof options.strides === 'number' ? [options.strides, options.strides] : options.strides;
  if (sh !== 1 || sw !== 1) return false;
  const pads = flippedPadding(filterShape, options);
  return pads.every(([before, after]) => before >= 0 && after >= 0);
}

/**
 * dL/dx of `conv2d(x, W, 1, pad)` given dL/dy, as one forward convolution.
 *
 * @param dy the gradient of the forward output, [N, outH, outW, outC].
 * @param filter the forward filter, [kh, kw, inC, outC].
 * @returns dx with shape `options.inputShape`.
 */
export function conv2dBackpropInputByConv(
  dy: Tensor4D,
  filter: Tensor4D,
  options: BackpropInputOptions,
): Tensor4D {
  if (!canBackpropInputByConv(filter.shape, options)) {
    throw new Error(
      `conv2dBackpropInputByConv: needs stride 1, NHWC and pads ≤ k − 1; got strides ${options.strides}, ` +
        `pad ${JSON.stringify(options.pad)}, dataFormat ${options.dataFormat}, filter [${filter.shape}]`,
    );
  }
  const pads = flippedPadding(filter.shape, options);
  return tidy(() => {
    const flipped = transpose(reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const dx = conv2d(dy, flipped, 1, pads);
    const [n, h, w, c] = options.inputShape;
    if (dx.shape[0] !== n || dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== c) {
      throw new Error(`conv2dBackpropInputByConv: got [${dx.shape}] instead of [${options.inputShape}]`);
    }
    return dx;
  });
}
