/**
 * `engine/simulate`: partial annotations simulated from full label images, deterministic by seed,
 * for experiments and benchmarks: the Sketchpose paper's noise masks (§3.4.2) that keep a fraction
 * of the labelled pixels, and the strokes a person would draw. Both produce annotation codes
 * (0 unknown, 1 background, 2 cell, 3 boundary) that satisfy the paper's assumptions.
 */
export type { NoiseMaskOptions } from './noise-mask.ts';
export { annotatedFraction, gaussianFilter, noiseKeepMask, simulatePartialMask } from './noise-mask.ts';
export type { StrokeOptions, StrokeSimulation } from './strokes.ts';
export { simulateStrokes } from './strokes.ts';
