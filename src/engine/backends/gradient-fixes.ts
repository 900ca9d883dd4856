/**
 * Corrections to TensorFlow.js 4.22 gradients that are not specific to wasm, plus the helpers the
 * kernel registrations share. Found by comparing wasm and cpu gradients op by op and both against
 * brute-force references (tests/engine/backends.test.ts):
 * - `GatherNd` has no gradient on any backend ("gradient function not found for GatherNd"); a
 *   sampling loss that reads predictions at (n, row, column) indices needs one. Following
 *   TensorFlow's `_GatherNdGrad`, dparams = scatterND(indices, dy, params.shape) — scatterND sums
 *   duplicate indices, as a pixel sampled twice requires — and the integer indices get zeros.
 *   ScatterNd exists on cpu, wasm, webgl and webgpu, so this runs everywhere.
 * - The cpu backend's `ResizeNearestNeighborGrad` is wrong for batch > 1 when upsampling (see
 *   resize-nearest-neighbor-grad.ts); cpu is the Node fallback for training, so it is replaced.
 */
import {
  engine,
  getGradient,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  registerGradient,
  registerKernel,
  scatterND,
  type Tensor,
  type Tensor4D,
  type TensorInfo,
  tidy,
  unregisterKernel,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { resizeNearestNeighborBackprop } from './resize-nearest-neighbor-grad.ts';

/**
 * A kernel's inputs are the engine's Tensors at run time but typed as TensorInfo; wrap a bare
 * TensorInfo in a Tensor (tracked by the caller's `tidy`) when it is not one.
 */
export function asTensor<T extends Tensor>(info: TensorInfo): T {
  if ('rank' in info) return info as T;
  return engine().makeTensorFromTensorInfo(info) as T;
}

/** Registers a kernel, replacing any registered one without the registry's warning. */
export function installKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) {
    unregisterKernel(config.kernelName, config.backendName);
  }
  registerKernel(config);
}

const resizeNearestGradKernel: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as ResizeNearestNeighborGradAttrs;
  const images = inputs.images!;
  return tidy(() =>
    resizeNearestNeighborBackprop(asTensor<Tensor4D>(inputs.dy!), images.shape as Tensor4D['shape'], {
      alignCorners: a.alignCorners,
      halfPixelCenters: a.halfPixelCenters ?? false,
    }),
  );
};

/** Installs the op-based ResizeNearestNeighborGrad on `backendName`. Idempotent. */
export function registerResizeNearestNeighborGrad(backendName: string): void {
  if (getKernel('ResizeNearestNeighborGrad', backendName)?.kernelFunc === resizeNearestGradKernel) return;
  installKernel({
    kernelName: 'ResizeNearestNeighborGrad',
    backendName,
    kernelFunc: resizeNearestGradKernel,
  });
}

/** Replaces the cpu backend's wrong kernels; returns their names. Idempotent. */
export function registerCpuGradientFixes(): readonly string[] {
  registerResizeNearestNeighborGrad('cpu');
  return ['ResizeNearestNeighborGrad'];
}

/**
 * Registers the `GatherNd` gradient unless one is already registered (a later TensorFlow.js may
 * ship its own, which then wins). Idempotent.
 *
 * @returns true when this call registered it.
 */
export function registerGatherNdGradient(): boolean {
  if (getGradient('GatherNd') != null) return false;
  registerGradient({
    kernelName: 'GatherNd',
    inputsToSave: ['params', 'indices'],
    gradFunc: (dy, saved) => {
      const [params, indices] = saved as [Tensor, Tensor];
      return {
        params: () => scatterND(indices, dy as Tensor, params.shape),
        indices: () => zerosLike(indices),
      };
    },
  });
  return true;
}
