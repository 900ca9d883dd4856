export type { DistanceOptions, DistanceTransform } from './distance-transform.ts';
export { distanceToComplement, distanceToSeeds } from './distance-transform.ts';
export type { LabelDistanceOptions } from './label-distance.ts';
export { distanceToOtherLabels } from './label-distance.ts';
