/**
 * Chooses and initialises the TensorFlow.js backend the training engine runs on, in Node and in
 * browsers, and says why in words (shown in the UI / CLI log, so a slow fallback is explained).
 *
 * Order for 'auto':
 * - Node: `wasm` (XNNPACK, SIMD, with the training kernels of wasm-gradients.ts) → `cpu`.
 *   The .wasm binaries are read from the directory of @tensorflow/tfjs-backend-wasm's Node entry
 *   (node_modules/@tensorflow/tfjs-backend-wasm/dist/), resolved from this file with
 *   `createRequire`, and passed to `setWasmPaths` as a file-path prefix: Emscripten reads them with
 *   `fs` under Node. Threads are never used in Node: tfjs reports WASM_HAS_MULTITHREAD_SUPPORT as
 *   false there (tfjs #3830; the pthread worker fails with ERR_WORKER_PATH), so it is one thread.
 * - Browser: `webgpu` (when `navigator.gpu` gives an adapter) → `webgl` → `wasm` → `cpu`.
 *   wasm uses threads only on cross-origin-isolated pages (COOP/COEP headers).
 * An explicit preference is tried first and then the same order. Backend packages are imported
 * dynamically, so Node never loads the WebGL/WebGPU code and browsers load only what they use;
 * @tensorflow/tfjs-backend-webgpu registers itself only if `navigator.gpu` exists at import time.
 * Gradient functions (registered by @tensorflow/tfjs, not by tfjs-core) are loaded if missing; the
 * `GatherNd` gradient tfjs lacks and the fix of cpu's ResizeNearestNeighborGrad are added
 * (gradient-fixes.ts), so a run that falls back to cpu trains the same network correctly.
 */
import { env, getGradient, getKernel, setBackend } from '@tensorflow/tfjs-core';
import { ValueError } from '../errors.ts';
import { registerCpuGradientFixes, registerGatherNdGradient } from './gradient-fixes.ts';
import { registerWasmGradients } from './wasm-gradients.ts';

/** A backend name, or 'auto' for the environment's fastest trainable one. */
export type BackendPreference = 'auto' | 'cpu' | 'wasm' | 'webgpu' | 'webgl';
export type BackendName = Exclude<BackendPreference, 'auto'>;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Where the wasm binaries are served: a prefix ending in '/' (URL in browsers, directory in Node).
   * Default: the package's dist/ directory in Node, next to the bundle in browsers (bundlers do not
   * copy .wasm files by themselves: serve node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm).
   */
  wasmPaths?: string;
}

/** What {@link initBackend} chose, and why in one human-readable sentence. */
export interface BackendChoice {
  name: BackendName;
  reason: string;
}

const NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string';
}

function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/**
 * Loads tfjs's gradient functions unless something (e.g. @tensorflow/tfjs) already did, and adds
 * the `GatherNd` gradient tfjs lacks.
 */
async function ensureGradients(): Promise<void> {
  if (getGradient('Conv2D') == null) {
    if (isNode()) {
      // tfjs-core's register_all_gradients.js is ESM inside a CommonJS package, so Node cannot
      // load it; the union package's Node build registers the same functions on the shared registry.
      const { createRequire } = await import('node:module');
      createRequire(import.meta.url)('@tensorflow/tfjs');
    } else {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    }
  }
  registerGatherNdGradient();
  // cpu kernels exist once anything imported tfjs-backend-cpu (in Node, @tensorflow/tfjs did).
  if (getKernel('ResizeNearestNeighborGrad', 'cpu') != null) registerCpuGradientFixes();
}

/** Directory (with trailing slash) holding the .wasm binaries, for Node. */
async function nodeWasmDirectory(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname, sep } = await import('node:path');
  return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + sep;
}

async function activate(name: BackendName): Promise<void> {
  if (!(await setBackend(name))) throw new Error('initialisation failed (see the console warning)');
}

/** Each loader initialises its backend and returns a detail sentence, or throws why it cannot. */
const LOADERS: Record<BackendName, (options: InitBackendOptions) => Promise<string>> = {
  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    const fixed = registerCpuGradientFixes();
    await activate('cpu');
    return `pure-JavaScript reference backend (slow: no SIMD, no threads), fixed kernels ${fixed.join(', ')}`;
  },
  async wasm(options) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = options.wasmPaths ?? (isNode() ? await nodeWasmDirectory() : undefined);
    // Paths matter only before the first initialisation: afterwards setting them does nothing, or
    // throws if that initialisation failed (then activate() below fails and cpu follows).
    // (Not `findBackend('wasm')` as a test: it would start the initialisation itself.)
    if (dir != null) {
      try {
        wasm.setWasmPaths(dir);
      } catch {
        // initialisation already failed once; activate() reports it
      }
    }
    const where = dir == null ? 'binaries next to the bundle' : `binaries from ${dir}`;
    const kernels = registerWasmGradients();
    await activate('wasm');
    const simd = await env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    const threadNote = isNode()
      ? '1 thread (wasm threads do not work in Node)'
      : `${threads} thread(s)${threads > 1 ? '' : ' (threads need a cross-origin-isolated page)'}`;
    return `WebAssembly/XNNPACK, SIMD ${simd ? 'on' : 'off'}, ${threadNote}, training kernels ${kernels.join(', ')}; ${where}`;
  },
  async webgl() {
    if (isNode()) throw new Error('WebGL is browser-only');
    await import('@tensorflow/tfjs-backend-webgl');
    await activate('webgl');
    return 'WebGL 2 on the GPU';
  },
  async webgpu() {
    const gpu = navigatorGpu();
    if (gpu == null) {
      throw new Error(
        'navigator.gpu is undefined (needs a WebGPU browser and a secure context: https or localhost)',
      );
    }
    if ((await gpu.requestAdapter()) == null) throw new Error('navigator.gpu gave no adapter');
    await import('@tensorflow/tfjs-backend-webgpu');
    await activate('webgpu');
    return 'WebGPU on the GPU';
  },
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Initialises the best available backend and makes it the active one.
 *
 * @param preference 'auto' (default) or a backend to try first; on failure the environment's
 *   'auto' order follows, and the reason names every backend skipped and why.
 * @param options where the wasm binaries are served ({@link InitBackendOptions}).
 * @returns the chosen backend and a sentence explaining the choice.
 * @throws ValueError for an unknown preference; Error when no backend initialises at all.
 * @example
 *   const { name, reason } = await initBackend();   // Node: { name: 'wasm', reason: 'WebAssembly/XNNPACK, SIMD on, …' }
 */
export async function initBackend(
  preference: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  if (preference !== 'auto' && !NAMES.includes(preference)) {
    throw new ValueError(`initBackend: unknown backend '${preference}'; expected auto, ${NAMES.join(', ')}`);
  }
  await ensureGradients();
  const order: BackendName[] = isNode() ? ['wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const candidates = preference === 'auto' ? order : [preference, ...order.filter((n) => n !== preference)];
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      const detail = await LOADERS[name](options);
      const why = skipped.length > 0 ? ` (fell back: ${skipped.join('; ')})` : '';
      return { name, reason: `${detail}${why}` };
    } catch (error) {
      skipped.push(`${name} unavailable: ${message(error)}`);
    }
  }
  throw new Error(`initBackend: no TensorFlow.js backend initialised: ${skipped.join('; ')}`);
}
