/**
 * Deterministic initial values, matching the distributions of PyTorch's default initialisation
 * (what Omnipose trains from: CPnet does not re-initialise its layers):
 * - `Conv2d` / `Linear` weights: `kaiming_uniform_(a=√5)`, i.e. U(−1/√fanIn, 1/√fanIn);
 *   biases: U(−1/√fanIn, 1/√fanIn) (torch/nn/modules/conv.py, linear.py `reset_parameters`);
 * - `BatchNorm2d`: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0.
 * One mulberry32 stream (random.ts) is drawn in state_dict order, so a seed fixes every value on
 * every platform (the values differ from PyTorch's, which uses its own generator).
 */
import { Random } from '../random.ts';
import type { ParamSpec } from './layout.ts';

/** Initial values of every entry of `layout`, in its layout (TensorFlow.js) order. */
export function initialValues(layout: readonly ParamSpec[], seed: number): Float32Array[] {
  const rng = new Random(seed);
  return layout.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    switch (spec.kind) {
      case 'convWeight':
      case 'convBias':
      case 'linearWeight':
      case 'linearBias': {
        const bound = 1 / Math.sqrt(spec.fanIn);
        for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound);
        break;
      }
      case 'bnWeight':
      case 'bnVar':
        values.fill(1);
        break;
      case 'bnBias':
      case 'bnMean':
      case 'bnCount':
        break;
    }
    return values;
  });
}
