/**
 * Bilinear resampling of a multi-channel image, for images without a pyramid level at the right
 * scale (Omnipose 1.0.6 `cellpose_omni.transforms.resize_image`, which calls OpenCV's
 * `cv2.resize(..., interpolation=cv2.INTER_LINEAR)`), and to bring predictions back to the
 * image's size.
 *
 * OpenCV's convention, reproduced here: pixel centres are aligned (`src = (dst + 0.5) · in/out −
 * 0.5`), positions beyond the first/last centre clamp to the edge pixel, and the fraction is kept
 * in float32. No antialiasing: downscaling by more than 2 skips pixels, as OpenCV does; prefer a
 * pyramid level (`chooseLevel`) for strong downscaling.
 *
 * @example
 * const shape = rescaledShape([520, 696], 30 / 45);     // [346, 464], Omnipose's int(L · rescale)
 * const small = resizeImage(image, shape);
 */
import { ValueError } from '../errors.ts';
import type { MultiChannelRaster, Raster } from '../types.ts';
import { asMultiChannel, assertFinite, checkMultiChannel } from './input-checks.ts';

/** Omnipose's resized size: `int(rows · rescale)`, `int(cols · rescale)` (truncation), at least 1. */
export function rescaledShape(shape: readonly [number, number], rescale: number): [number, number] {
  if (!(rescale > 0 && Number.isFinite(rescale))) throw new ValueError(`rescale must be > 0, got ${rescale}`);
  return [Math.max(1, Math.trunc(shape[0] * rescale)), Math.max(1, Math.trunc(shape[1] * rescale))];
}

interface AxisTaps {
  /** first source index of each output sample */
  index: Int32Array;
  /** weight of `index + 1` (float32, as OpenCV) */
  frac: Float32Array;
}

/** OpenCV `resize` INTER_LINEAR coefficients along one axis. */
function linearTaps(inLength: number, outLength: number): AxisTaps {
  const scale = 1 / (outLength / inLength); // OpenCV: scale_x = 1. / inv_scale_x
  const index = new Int32Array(outLength);
  const frac = new Float32Array(outLength);
  for (let d = 0; d < outLength; d++) {
    const f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    let t = Math.fround(f - s);
    if (s < 0) {
      s = 0;
      t = 0;
    }
    if (s >= inLength - 1) {
      s = inLength - 1;
      t = 0;
    }
    index[d] = s;
    frac[d] = t;
  }
  return { index, frac };
}

/** Resize `image` to `[rows, cols]` bilinearly; returns float32 `[rows, cols, channels]`. */
export function resizeImage(
  image: Raster | MultiChannelRaster,
  shape: readonly [number, number],
): MultiChannelRaster<Float32Array> {
  const raster = asMultiChannel(image);
  const [inRows, inCols, channels] = checkMultiChannel(raster, 'resizeImage');
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new ValueError(
      `resizeImage: output shape [${shape.join(', ')}] is not a pair of positive integers`,
    );
  }
  if (inRows < 1 || inCols < 1) {
    throw new ValueError(`resizeImage: cannot resize an empty image of shape [${raster.shape.join(', ')}]`);
  }
  assertFinite(raster, 'resizeImage');
  const ty = linearTaps(inRows, rows);
  const tx = linearTaps(inCols, cols);
  const src = raster.data;
  // horizontal pass per source row into a float64 buffer, then the vertical blend
  const horizontal = new Float64Array(inRows * cols * channels);
  for (let r = 0; r < inRows; r++) {
    for (let c = 0; c < cols; c++) {
      const s0 = (r * inCols + tx.index[c]!) * channels;
      const t = tx.frac[c]!;
      const s1 = t === 0 ? s0 : s0 + channels;
      const o = (r * cols + c) * channels;
      for (let k = 0; k < channels; k++) horizontal[o + k] = src[s0 + k]! * (1 - t) + src[s1 + k]! * t;
    }
  }
  const out = new Float32Array(rows * cols * channels);
  const rowValues = cols * channels;
  for (let r = 0; r < rows; r++) {
    const a = ty.index[r]! * rowValues;
    const t = ty.frac[r]!;
    const b = t === 0 ? a : a + rowValues;
    const o = r * rowValues;
    for (let i = 0; i < rowValues; i++) out[o + i] = horizontal[a + i]! * (1 - t) + horizontal[b + i]! * t;
  }
  return { data: out, shape: [rows, cols, channels] };
}
