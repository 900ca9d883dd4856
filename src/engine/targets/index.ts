export {
  BACKGROUND,
  BOUNDARY,
  CELL,
  CODE_COLORS,
  checkCodes,
  labelsToCodes,
  MAX_CODE,
  UNKNOWN,
} from './codes.ts';
export type { Components } from './components.ts';
export { connectedComponents } from './components.ts';
export type { Outside, OutsideSides, SetOptions, StrokeSets } from './sets.ts';
export { strokeSets } from './sets.ts';
export type { Crop, LossMasks, TargetOptions, Targets } from './targets.ts';
export { computeTargets } from './targets.ts';
