/**
 * `engine/masks`: instance masks from the network's outputs (Omnipose 1.0.6 `compute_masks`:
 * hysteresis foreground, divergence-rescaled flow, suppressed Euler integration, rounding or
 * DBSCAN grouping, clean-up), tile-wise reconstruction with stitching for large images, and the
 * n-colour display colouring (ncolor). See ALGORITHM.md §6 and §8.
 */
export type { Masks, PredictedFields } from './compute-masks.ts';
export { computeMasks } from './compute-masks.ts';
export type { ClusterOptions } from './dbscan.ts';
export { dbscan } from './dbscan.ts';
export { followFlows } from './euler.ts';
export type { EulerField } from './flow-field.ts';
export { divergence, eulerField } from './flow-field.ts';
export type { Foreground } from './foreground.ts';
export { hysteresisForeground } from './foreground.ts';
export type { LabelGraph } from './label-adjacency.ts';
export { expandLabels, labelAdjacency } from './label-adjacency.ts';
export type { NColoring, NColorOptions } from './ncolor.ts';
export { ncolor } from './ncolor.ts';
export type { MaskOptions } from './options.ts';
export type { FieldSource, StitchedMasks, StitchOptions, TileWindow } from './stitch.ts';
export { computeMasksTiled, fieldsSource } from './stitch.ts';
