// Training engine: losses (paper eqs. 3-16) and the RAdam optimizer (ALGORITHM.md §1, §5).

export { bilinearSample, insideMask, pointOffsets } from './losses/bilinear.ts';
export { bceWithLogits, boundaryLoss } from './losses/boundary.ts';
export { distanceLoss } from './losses/distance.ts';
export { type EulerOptions, eulerLoss } from './losses/euler.ts';
export { type EulerStarts, eulerStartRows, sampleEulerStarts } from './losses/euler-starts.ts';
export { flowLoss } from './losses/flow.ts';
export { flowNormLoss, vectorNorm } from './losses/flow-norm.ts';
export { inequalityLoss } from './losses/inequality.ts';
export {
  BOUNDARY_LOGIT,
  DISTANCE,
  FLOW_X,
  FLOW_Y,
  maskedMean,
  PREDICTION_CHANNELS,
} from './losses/prediction.ts';
export {
  DEFAULT_LOSS_WEIGHTS,
  type LossTermName,
  type LossWeights,
  PAPER_LOSS_WEIGHTS,
  type SketchposeLoss,
  type SketchposeLossOptions,
  sketchposeLoss,
} from './losses/sketchpose-loss.ts';
export {
  type BatchMaskName,
  disposeTargetBatch,
  type StackOptions,
  stackTargets,
  type TargetBatch,
} from './losses/target-batch.ts';
export { RADAM_DEFAULTS, type RAdamConfig, RAdamOptimizer } from './optim/radam.ts';
