/**
 * The common first step of every object metric here: check a true and a predicted label image,
 * optionally crop their borders (Sketchpose's evaluation), relabel both sequentially and count
 * their overlaps. StarDist's `matching` does the same in the same order: `_check_label_array` on
 * both, the shape check, `relabel_sequential`, `label_overlap`.
 *
 * @example
 * ```ts
 * const pair = prepareLabelPair(yTrue, yPred, { cropBorder: 0.1 });
 * pair.overlap.nTrue; // objects left in the cropped true image
 * ```
 */
import type { Raster } from '../types.ts';
import { assertCropFraction, cropBorder } from './crop-border.ts';
import { assertLabelRaster, assertSameShape } from './label-raster.ts';
import { type LabelOverlap, labelOverlap, pairIous } from './overlap.ts';
import { relabelSequential } from './relabel.ts';

export interface LabelPairOptions {
  /**
   * Fraction of each border to remove before evaluating (0.1 in Sketchpose's evaluation;
   * see {@link cropBorder}). @default 0
   */
  cropBorder?: number;
}

export interface PreparedLabelPair {
  overlap: LabelOverlap;
  /** float32 IoU of each overlapping pair of `overlap` */
  iou: Float64Array;
  /** original labels of the true objects, `trueLabels[k]` for object `k` (index 0 = background) */
  trueLabels: Uint32Array;
  /** original labels of the predicted objects */
  predLabels: Uint32Array;
}

/**
 * Validates (DtypeError for non-integer data, ShapeError for a bad or mismatched shape naming both
 * shapes, ValueError for negative labels or a bad crop fraction), crops, relabels and overlaps.
 */
export function prepareLabelPair(
  yTrue: Raster,
  yPred: Raster,
  options: LabelPairOptions = {},
): PreparedLabelPair {
  assertLabelRaster(yTrue, 'yTrue');
  assertLabelRaster(yPred, 'yPred');
  assertSameShape(yTrue, yPred, 'yTrue', 'yPred');
  const fraction = options.cropBorder ?? 0;
  assertCropFraction(fraction);
  const t = relabelSequential(cropBorder(yTrue, fraction), 'yTrue');
  const p = relabelSequential(cropBorder(yPred, fraction), 'yPred');
  const overlap = labelOverlap(t.raster, t.count, p.raster, p.count);
  return { overlap, iou: pairIous(overlap), trueLabels: t.originalLabels, predLabels: p.originalLabels };
}
