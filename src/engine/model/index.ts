/**
 * The network: Omnipose's CPnet in TensorFlow.js (NHWC), its own weight format, and import of
 * Omnipose/Cellpose PyTorch checkpoints. Needs a TensorFlow.js backend registered by the caller
 * (e.g. `@tensorflow/tfjs-backend-cpu` or `-webgl`); kept out of the `engine` barrel, which is
 * TensorFlow.js-free.
 */
export type { CPnetConfig, CPnetOptions, CPnetPreset } from './config.ts';
export { FULL_WIDTHS, resolveConfig, SMALL_WIDTHS, sideMultiple } from './config.ts';
export type { ApplyOptions, CPnetOutput } from './cpnet.ts';
export { CPnet, createCPnet } from './cpnet.ts';
export type { ImportOptions, StateDictTensor } from './import.ts';
export { importStateDict, inferCPnetConfig } from './import.ts';
export type { ParamKind, ParamSpec } from './layout.ts';
export { countParameters, stateDictLayout } from './layout.ts';
export type { PthTensor } from './pth.ts';
export { readPth } from './pth.ts';
export { fromTorchLayout, toTorchLayout } from './transpose.ts';
export type { WeightsEntry, WeightsManifest } from './weights.ts';
export { loadWeights, serializeWeights, WEIGHTS_FORMAT, WEIGHTS_VERSION } from './weights.ts';
