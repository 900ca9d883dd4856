export type { Centre } from './annotated-index.ts';
export { AnnotatedPixelIndex } from './annotated-index.ts';
export { ArrayImageSource } from './array-source.ts';
export type { Batch, ImageSource, SamplerOptions, TrainingImage } from './patch-sampler.ts';
export { PatchSampler } from './patch-sampler.ts';
export type { AugmentRanges, SourceWindow, WarpedPatch, WarpParams } from './warp.ts';
export { DEFAULT_AUGMENT, drawWarp, sourceRadius, warpPatch } from './warp.ts';
