/**
 * `sketchpose-web/engine`: the pure-TypeScript core (no DOM, no deck.gl, no TensorFlow.js): exact
 * distance transforms, the paper's sets and training targets, the tiled annotation store, and
 * evaluation metrics. Image and OME-Zarr I/O is the separate entry point `sketchpose-web/engine/io`.
 */
export type {
  AnnotationChange,
  AnnotationStoreOptions,
  ChangeListener,
  Point,
  SaveOptions,
  TileIndex,
} from './annotations/index.ts';
export {
  AnnotationStore,
  annotationsFromRaster,
  annotationsToRaster,
  exportAnnotationsImage,
  importAnnotationsImage,
  loadAnnotations,
  saveAnnotations,
} from './annotations/index.ts';
export type { DistanceOptions, DistanceTransform, LabelDistanceOptions } from './edt/index.ts';
export { distanceToComplement, distanceToOtherLabels, distanceToSeeds } from './edt/index.ts';
export type { SketchposeErrorTag } from './errors.ts';
export {
  DtypeError,
  FormatError,
  MetadataError,
  NotFoundError,
  ShapeError,
  SketchposeError,
  ValueError,
} from './errors.ts';
export type {
  DatasetMatchingStats,
  MatchingDatasetOptions,
  MatchingOptions,
  MatchingStats,
} from './metrics/index.ts';
export {
  aggregatedJaccardIndex,
  linearSumAssignment,
  matching,
  matchingDataset,
  meanDice,
} from './metrics/index.ts';
export { Random } from './random.ts';
export type {
  Components,
  Crop,
  LossMasks,
  Outside,
  OutsideSides,
  SetOptions,
  StrokeSets,
  TargetOptions,
  Targets,
} from './targets/index.ts';
export {
  BACKGROUND,
  BOUNDARY,
  CELL,
  CODE_COLORS,
  computeTargets,
  connectedComponents,
  labelsToCodes,
  strokeSets,
  UNKNOWN,
} from './targets/index.ts';
export type { MultiChannelRaster, Raster, TypedArray } from './types.ts';
