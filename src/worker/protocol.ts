/**
 * The typed message protocol between the page and the training worker. The worker reads the
 * image through the page (`store-get` requests answered with bytes), so any zarrita store the page
 * has (HTTP, a Jupyter comm) works unchanged; annotation deltas (whole tiles) flow page → worker
 * between training steps; progress and viewport predictions flow back.
 */
import type { TrainProgress } from '../plugin/state.ts';

export interface TrainConfig {
  /** network widths: a preset or encoder widths per level (e.g. `[4, 8]` for a tiny test net) */
  net: 'small' | 'full' | number[];
  patch: number;
  batch: number;
  learningRate: number;
  seed: number;
  /** predict the viewport every N steps (0 = never) */
  predictEvery: number;
  /** largest side of a viewport prediction in level pixels (a coarser level is chosen above it) */
  predictMaxSide: number;
  /** compute instance masks from each prediction */
  masks: boolean;
  backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
}

export interface ViewportBox {
  /** full-resolution window */
  row0: number;
  col0: number;
  rows: number;
  cols: number;
}

export type ToWorker =
  | {
      type: 'init';
      shape: [number, number];
      tileSize: number;
      /** segment channel index and the fixed index of other non-y/x axes */
      selection: Record<string, number>;
      config: TrainConfig;
    }
  | { type: 'tiles'; tiles: { tileRow: number; tileCol: number; data: Uint8Array }[] }
  | { type: 'train'; steps: number }
  | { type: 'stop' }
  | { type: 'viewport'; box: ViewportBox }
  | { type: 'predict'; box: ViewportBox }
  | { type: 'store-reply'; id: number; bytes: Uint8Array | null; error?: string }
  /** start from weights: an Omnipose/Cellpose `.pth` state_dict, or our weights.json + weights.bin */
  | { type: 'load-weights'; name: string; pth?: Uint8Array; manifest?: string; bin?: Uint8Array }
  | { type: 'export-weights' };

export type FromWorker =
  | { type: 'ready'; backend: string; reason: string; fellBack: boolean }
  | { type: 'store-get'; id: number; key: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'annotated'; pixels: number }
  | {
      type: 'prediction';
      step: number;
      level: number;
      row0: number;
      col0: number;
      shape: [number, number];
      distance: Float32Array;
      flow: Float32Array;
      boundary: Float32Array;
      labels?: Int32Array;
      colorOf?: Uint8Array;
      count: number;
      ms: number;
    }
  | { type: 'status'; message: string }
  | { type: 'weights'; manifest: string; bin: Uint8Array; step: number }
  | { type: 'done'; steps: number; aborted: boolean }
  | { type: 'error'; message: string; tag?: string };

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  net: 'small',
  patch: 128,
  batch: 4,
  learningRate: 0.05,
  seed: 0,
  predictEvery: 20,
  predictMaxSide: 512,
  masks: true,
  backend: 'auto',
};
