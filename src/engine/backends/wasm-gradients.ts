/**
 * Registers on TensorFlow.js's `wasm` backend the kernels that training a convolutional network
 * needs and that @tensorflow/tfjs-backend-wasm 4.22 lacks, gets wrong or runs slowly. Each is
 * written with tfjs ops, which the engine runs on wasm's own kernels (ops inside a kernel are not
 * put on the gradient tape: the engine only tapes at kernel depth 0).
 *
 * Found by running forward + backward of a conv–BatchNorm–ReLU–maxPool–resizeNearestNeighbor–conv
 * net with mean, sigmoid cross-entropy, gather and gatherND losses on wasm, by diffing
 * `getKernelsForBackend('wasm')` against `'cpu'`, and by comparing ~40 op gradients with cpu:
 * - `Conv2DBackpropFilter`: missing (tfjs #8474) → per-tap products, conv2d-backprop-filter.ts.
 * - `UnsortedSegmentSum`: missing (tfjs #8082), needed by gather's gradient → unsorted-segment-sum.ts.
 * - `Conv2DBackpropInput`: a slow C loop → a forward conv with the flipped filter for stride 1
 *   (conv2d-backprop-input.ts); other cases still go to the original kernel.
 * - `MaxPoolGrad`: wrong for windows whose maximum is ≤ 0 → max-pool-grad.ts.
 * - `ResizeNearestNeighborGrad`: ignores halfPixelCenters → resize-nearest-neighbor-grad.ts (the
 *   same kernel that fixes cpu's batch bug, so both backends share one definition).
 * Everything else those ops need (ScatterNd, FusedBatchNorm, Sum, Mean, Relu, Sigmoid, Softplus, …)
 * is registered on wasm and agrees with cpu. Not covered: `DepthwiseConv2dNativeBackprop{Filter,Input}`
 * (missing, so separable convolutions cannot be trained on wasm).
 */
import {
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type Tensor4D,
  tidy,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.ts';
import { canBackpropInputByConv, conv2dBackpropInputByConv } from './conv2d-backprop-input.ts';
import { asTensor, installKernel, registerResizeNearestNeighborGrad } from './gradient-fixes.ts';
import { maxPoolBackprop } from './max-pool-grad.ts';
import { unsortedSegmentSum } from './unsorted-segment-sum.ts';

const BACKEND = 'wasm';

/** Names of the kernels {@link registerWasmGradients} installs on the wasm backend. */
export const WASM_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'ResizeNearestNeighborGrad',
  'UnsortedSegmentSum',
] as const;

const backpropFilterKernel: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  return tidy(() => conv2dBackpropFilter(asTensor<Tensor4D>(inputs.x!), asTensor<Tensor4D>(inputs.dy!), a));
};

/** wasm's own Conv2DBackpropInput, kept for the cases the conv rewrite does not cover. */
let originalBackpropInput: KernelConfig | undefined;

const backpropInputKernel: KernelFunc = (args) => {
  const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const filter = args.inputs.filter!;
  if (!canBackpropInputByConv(filter.shape, a)) {
    if (originalBackpropInput == null) {
      throw new Error(`Conv2DBackpropInput on wasm: no fallback kernel for strides ${a.strides}`);
    }
    return originalBackpropInput.kernelFunc(args);
  }
  return tidy(() =>
    conv2dBackpropInputByConv(asTensor<Tensor4D>(args.inputs.dy!), asTensor<Tensor4D>(filter), a),
  );
};

const maxPoolGradKernel: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as MaxPoolGradAttrs;
  return tidy(() =>
    maxPoolBackprop(
      asTensor<Tensor4D>(inputs.dy!),
      asTensor<Tensor4D>(inputs.input!),
      asTensor<Tensor4D>(inputs.output!),
      a,
    ),
  );
};

const segmentSumKernel: KernelFunc = ({ inputs, attrs }) => {
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  return tidy(() => unsortedSegmentSum(asTensor(inputs.x!), asTensor(inputs.segmentIds!), numSegments));
};

/**
 * Installs the training kernels on the `wasm` backend. Call it after importing
 * @tensorflow/tfjs-backend-wasm (whose import registers the kernels replaced here); it may run
 * before or after the backend is initialised. Idempotent. The original Conv2DBackpropInput keeps
 * its setup function, which the engine runs on every `setBackend('wasm')`.
 *
 * @returns the names of the kernels installed, {@link WASM_GRADIENT_KERNELS}.
 */
export function registerWasmGradients(): readonly string[] {
  const current = getKernel('Conv2DBackpropInput', BACKEND);
  if (current?.kernelFunc !== backpropInputKernel) {
    originalBackpropInput = current;
    installKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: BACKEND,
      kernelFunc: backpropInputKernel,
      setupFunc: current?.setupFunc,
      disposeFunc: current?.disposeFunc,
    });
  }
  installKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: BACKEND,
    kernelFunc: backpropFilterKernel,
  });
  installKernel({ kernelName: 'MaxPoolGrad', backendName: BACKEND, kernelFunc: maxPoolGradKernel });
  installKernel({ kernelName: 'UnsortedSegmentSum', backendName: BACKEND, kernelFunc: segmentSumKernel });
  registerResizeNearestNeighborGrad(BACKEND);
  return WASM_GRADIENT_KERNELS;
}

/** True when {@link registerWasmGradients} has run (its kernels are the ones registered on wasm). */
export function hasWasmGradients(): boolean {
  return getKernel('Conv2DBackpropFilter', BACKEND)?.kernelFunc === backpropFilterKernel;
}
