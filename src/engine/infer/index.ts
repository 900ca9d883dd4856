/**
 * `engine/infer`: everything between an image and the network's raw output, model-agnostic
 * (no TensorFlow.js import): Omnipose's input normalisation measured once and applied per tile,
 * tiled prediction with taper blending through a `predict` callback, and scale selection
 * (diameter, pyramid level, bilinear resize). See ALGORITHM.md §4 and §6.
 */
export type { NetworkInputOptions, NormalizationOptions, NormalizationStats, SkipMode } from './normalize.ts';
export {
  applyNormalization,
  computeNormalization,
  SKIP_TOLERANCE,
  statisticsLevel,
  toNetworkInput,
} from './normalize.ts';
export type { StridedValues } from './percentile.ts';
export { percentiles } from './percentile.ts';
export { rescaledShape, resizeImage } from './resize.ts';
export type { LevelChoice } from './scale.ts';
export {
  chooseLevel,
  DIAM_MEAN,
  DIAM_MEAN_NUCLEI,
  levelDownsampling,
  maskDiameter,
  rescaleFactor,
} from './scale.ts';
export type { AxisLayout } from './tile-layout.ts';
export { reflectIndex, taperWeights } from './tile-layout.ts';
export type { PredictFn, TiledPredictOptions } from './tiled-predict.ts';
export { channelPlanes, tiledPredict, tileGrid } from './tiled-predict.ts';
