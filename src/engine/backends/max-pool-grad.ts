/**
 * Gradient of 2-D max pooling (kernel `MaxPoolGrad`) written with TensorFlow.js ops. It replaces
 * the `wasm` kernel of @tensorflow/tfjs-backend-wasm 4.22, which is wrong for windows whose maximum
 * is ≤ 0: its C++ (MaxPoolGrad.cc) starts the running maximum at `numeric_limits<float>::min()`,
 * the smallest *positive* float, so such windows never record a position and their gradient is
 * dropped (or lands on element 0); ties also go to the last maximum instead of the first. Pooling
 * after ReLU hides this (dropped gradients meet ReLU's zero slope), pooling signed features does not.
 *
 * Semantics follow TensorFlow and tfjs-backend-cpu (`maxPoolPositions`): each output's gradient
 * goes to the first maximum of its window in row-major order; padding never wins. For every tap
 * (i, j) of the window, in row-major order,
 *
 *   hit = (xPad[tap] == y) ∧ ¬taken,   taken ∨= hit,   dxPad[tap positions] += hit · dy,
 *
 * where xPad is x padded with −∞, and "tap positions" are rows i + sh·r, columns j + sw·c. When
 * the windows tile the input (stride = size, the usual 2×2/2) the masked maps are interleaved back
 * by concatenation; otherwise each is spread with zeros, padded into place and summed.
 * Reference: tfjs-backend-cpu `maxPoolBackprop`; checked against it in tests/engine/backends.test.ts.
 */
import {
  add,
  backend_util,
  cast,
  concat,
  equal,
  logicalAnd,
  logicalNot,
  logicalOr,
  mul,
  pad,
  reshape,
  slice,
  type Tensor,
  type Tensor4D,
  tidy,
  zerosLike,
} from '@tensorflow/tfjs-core';

/** The attributes of the `MaxPoolGrad` kernel, as TensorFlow.js passes them. */
export interface MaxPoolGradOptions {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Strided access with 4-D slices and reshapes only (wasm's StridedSlice and 6-D transposes are
 * 10-30× slower than its 4-D Slice, Pad and Concat): rows i + sh·r of a [N, ≥ i + oH·sh, …] tensor
 * are sub-row 0 of its [N·oH, sh, oW, sw·C] view.
 */
class TapGrid {
  constructor(
    readonly n: number,
    readonly oh: number,
    readonly ow: number,
    readonly c: number,
    readonly sh: number,
    readonly sw: number,
  ) {}

  /** The input values at tap (i, j) of every window, [N, oH, oW, C]. */
  window(xPad: Tensor4D, i: number, j: number): Tensor4D {
    const { n, oh, ow, c, sh, sw } = this;
    const block = slice(xPad, [0, i, j, 0], [n, oh * sh, ow * sw, c]);
    if (sh === 1 && sw === 1) return block;
    const grid = reshape(block, [n * oh, sh, ow, sw * c]);
    return reshape(slice(grid, 0, [n * oh, 1, ow, c]), [n, oh, ow, c]);
  }

  /** For tiling windows: the [N·oH, kh, oW, kw·C] view of xPad's first oH·kh rows, oW·kw columns. */
  tiles(xPad: Tensor4D, kh: number, kw: number): Tensor4D {
    const { n, oh, ow, c } = this;
    return reshape(slice(xPad, 0, [n, oh * kh, ow * kw, c]), [n * oh, kh, ow, kw * c]);
  }

  /** Tap (i, j) of every window from the {@link tiles} view, [N, oH, oW, C]. */
  tileWindow(tiles: Tensor4D, i: number, j: number): Tensor4D {
    const { n, oh, ow, c } = this;
    return reshape(slice(tiles, [0, i, 0, j * c], [n * oh, 1, ow, c]), [n, oh, ow, c]);
  }

  /** Inverse of {@link window}: v placed at tap (i, j) of a zero [N, hp, wp, C] tensor. */
  place(v: Tensor4D, i: number, j: number, hp: number, wp: number): Tensor4D {
    const { n, oh, ow, c, sh, sw } = this;
    const spread: Tensor4D =
      sh === 1 && sw === 1
        ? v
        : reshape(
            pad(reshape(v, [n * oh, 1, ow, c]), [
              [0, 0],
              [0, sh - 1],
              [0, 0],
              [0, (sw - 1) * c],
            ]),
            [n, oh * sh, ow * sw, c],
          );
    return pad(spread, [
      [0, 0],
      [i, hp - i - oh * sh],
      [j, wp - j - ow * sw],
      [0, 0],
    ]);
  }

  /** Non-overlapping windows (stride = size): the k² tap maps interleaved back by concatenation. */
  tile(parts: Tensor4D[], kh: number, kw: number): Tensor4D {
    const { n, oh, ow, c } = this;
    const rows = [];
    for (let i = 0; i < kh; i++) {
      const row = parts.slice(i * kw, (i + 1) * kw).map((p) => reshape(p, [n * oh, 1, ow, c]));
      rows.push(concat(row, 3));
    }
    return reshape(concat(rows, 1), [n, oh * kh, ow * kw, c]);
  }
}

/**
 * dL/dx of `maxPool(x)` (NHWC, dilation 1) given dL/dy and the forward output y.
 *
 * @returns dx with x's shape.
 */
export function maxPoolBackprop(
  dy: Tensor4D,
  x: Tensor4D,
  y: Tensor4D,
  options: MaxPoolGradOptions,
): Tensor4D {
  const info = backend_util.computePool2DInfo(
    x.shape,
    options.filterSize,
    options.strides,
    1,
    options.pad,
    options.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, padInfo } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth) {
    throw new Error(`maxPoolBackprop: dy [${dy.shape}] does not match the pooled shape of x [${x.shape}]`);
  }
  return tidy(() => {
    // Pad (with −∞, so padding never wins) far enough that every tap's block fits.
    const padBottom = Math.max(0, kh - 1 + outHeight * sh - padInfo.top - inHeight);
    const padRight = Math.max(0, kw - 1 + outWidth * sw - padInfo.left - inWidth);
    const hp = padInfo.top + inHeight + padBottom;
    const wp = padInfo.left + inWidth + padRight;
    const xPad = pad(
      x,
      [
        [0, 0],
        [padInfo.top, padBottom],
        [padInfo.left, padRight],
        [0, 0],
      ],
      Number.NEGATIVE_INFINITY,
    );
    const grid = new TapGrid(batchSize, outHeight, outWidth, inChannels, sh, sw);
    const tiled = sh === kh && sw === kw;
    const xTiles = tiled ? grid.tiles(xPad, kh, kw) : undefined;
    const parts: Tensor4D[] = [];
    let taken: Tensor = cast(zerosLike(y), 'bool');
    let dxPad: Tensor4D | undefined;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // Per-tap scope: only `taken` and the running result survive a tap.
        const [nextTaken, part] = tidy(() => {
          const window = xTiles ? grid.tileWindow(xTiles, i, j) : grid.window(xPad, i, j);
          const hit = logicalAnd(equal(window, y), logicalNot(taken));
          const masked: Tensor4D = mul(dy, cast(hit, 'float32'));
          const next = tiled ? masked : grid.place(masked, i, j, hp, wp);
          return [logicalOr(taken, hit), dxPad == null || tiled ? next : add(dxPad, next)] as const;
        });
        taken.dispose();
        taken = nextTaken;
        if (tiled) {
          parts.push(part);
        } else {
          dxPad?.dispose();
          dxPad = part;
        }
      }
    }
    if (tiled) {
      // The tiles cover rows [0, oH·kh); rows of x beyond them (a 'valid' remainder) get zeros.
      const covered = grid.tile(parts, kh, kw);
      dxPad = pad(covered, [
        [0, 0],
        [0, Math.max(0, padInfo.top + inHeight - outHeight * kh)],
        [0, Math.max(0, padInfo.left + inWidth - outWidth * kw)],
        [0, 0],
      ]);
    }
    return slice(dxPad!, [0, padInfo.top, padInfo.left, 0], [batchSize, inHeight, inWidth, inChannels]);
  });
}
