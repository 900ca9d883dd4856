/**
 * Evaluation metrics for instance segmentations (label images): StarDist-compatible object
 * matching (`matching`, `matchingDataset`), the Hungarian assignment they use, IoU matrices,
 * sequential relabelling, border cropping as in Sketchpose's evaluation, mean object Dice and the
 * aggregated Jaccard index. See docs/ALGORITHM.md §1 and §7.
 */
export { aggregatedJaccardIndex } from './aji.ts';
export { assertCropFraction, cropBorder, croppedRange } from './crop-border.ts';
export { meanDice, objectDice } from './dice.ts';
export { float32Sum } from './float32-sum.ts';
export { type Assignment, linearSumAssignment } from './hungarian.ts';
export { type LabelPairOptions, type PreparedLabelPair, prepareLabelPair } from './label-pair.ts';
export { assertLabelRaster, assertSameShape, type LabelArray, type LabelRaster } from './label-raster.ts';
export { type MatchingOptions, type MatchingStats, matching } from './matching.ts';
export {
  type DatasetMatchingStats,
  type MatchingDatasetOptions,
  matchingDataset,
} from './matching-dataset.ts';
export { assignObjects, type ObjectAssignment } from './object-assignment.ts';
export {
  bestPairPerTrueObject,
  intersectionOverUnion,
  iouMatrix,
  type LabelOverlap,
  labelOverlap,
  pairIous,
} from './overlap.ts';
export { relabelSequential, type SequentialLabels } from './relabel.ts';
