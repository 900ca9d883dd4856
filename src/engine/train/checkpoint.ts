/**
 * Training checkpoints: the network's weights (our manifest + binary format) and the optimizer's
 * state (RAdam moments and step counts, by variable name), so training resumes exactly where it
 * stopped. Browser-safe: bytes in, bytes out; the caller stores them (files, IndexedDB).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FormatError } from '../errors.ts';
import { type CPnet, loadWeights, serializeWeights, type WeightsManifest } from '../model/index.ts';

export const CHECKPOINT_FORMAT = 'sketchpose-checkpoint';

interface StateEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  step: number;
  weights: WeightsManifest;
  /** byte offset of the optimizer state inside the binary */
  optimizerOffset: number;
  optimizer: StateEntry[];
}

export async function saveCheckpoint(
  net: CPnet,
  optimizer: tf.Optimizer,
  step: number,
): Promise<{ manifest: CheckpointManifest; data: Uint8Array }> {
  const weights = await serializeWeights(net);
  const state = await optimizer.getWeights();
  const entries: StateEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const { name, tensor } of state) {
    const values = (await tensor.data()) as Float32Array;
    entries.push({ name, shape: [...tensor.shape], offset, length: values.byteLength });
    chunks.push(Float32Array.from(values));
    offset += values.byteLength;
  }
  // getWeights returns copies owned by the caller
  tf.dispose(state.map((s) => s.tensor));
  const data = new Uint8Array(weights.data.length + offset);
  data.set(weights.data, 0);
  for (const [k, e] of entries.entries()) {
    data.set(new Uint8Array(chunks[k]!.buffer), weights.data.length + e.offset);
  }
  return {
    manifest: {
      format: CHECKPOINT_FORMAT,
      version: 1,
      step,
      weights: weights.manifest,
      optimizerOffset: weights.data.length,
      optimizer: entries,
    },
    data,
  };
}

/** Loads weights into `net` and state into `optimizer`; returns the step to resume from. */
export async function restoreCheckpoint(
  net: CPnet,
  optimizer: tf.Optimizer,
  manifest: CheckpointManifest,
  data: Uint8Array,
): Promise<number> {
  if (manifest?.format !== CHECKPOINT_FORMAT || manifest.version !== 1) {
    throw new FormatError(
      `not a sketchpose checkpoint (format '${manifest?.format}', version ${manifest?.version})`,
    );
  }
  loadWeights(net, manifest.weights, data.subarray(0, manifest.optimizerOffset));
  const state = manifest.optimizer.map((e) => {
    const start = manifest.optimizerOffset + e.offset;
    if (start + e.length > data.length) {
      throw new FormatError(`checkpoint optimizer entry '${e.name}' runs past the end of the data`);
    }
    const values = new Float32Array(data.slice(start, start + e.length).buffer);
    return { name: e.name, tensor: tf.tensor(values, e.shape) };
  });
  await optimizer.setWeights(state);
  tf.dispose(state.map((s) => s.tensor));
  return manifest.step;
}
