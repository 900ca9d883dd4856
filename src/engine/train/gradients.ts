/**
 * Registers TensorFlow.js's gradient functions on the shared tfjs-core engine (tfjs-core alone
 * registers none). The union package `@tensorflow/tfjs` does it in every module system: its
 * CommonJS build under plain Node, its ES build under bundlers and vitest. A deep import of
 * `@tensorflow/tfjs-core/dist/register_all_gradients` works only through a bundler (the ES build
 * uses directory imports Node refuses). Browser bundles alias this import to that deep module so
 * they do not carry the layers/converter/data packages.
 */
import '@tensorflow/tfjs';
