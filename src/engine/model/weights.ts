/**
 * Sketchpose's own weight format: a JSON manifest plus one little-endian float32 buffer, the same
 * split as TensorFlow.js's `weightSpecs` + `weightData` (ECOSYSTEM.md §5.4) but keyed by PyTorch
 * state_dict names and holding BatchNorm running statistics too, so a network round-trips exactly.
 * Shapes are in this engine's layout (layout.ts: conv `[kh, kw, in, out]`, Linear `[in, out]`);
 * `offset` and `length` are in bytes. Browser-safe: no Node imports.
 */
import { DtypeError, FormatError, ShapeError } from '../errors.ts';
import type { CPnetConfig } from './config.ts';
import type { CPnet } from './cpnet.ts';

export const WEIGHTS_FORMAT = 'sketchpose-weights';
export const WEIGHTS_VERSION = 1;

export interface WeightsEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset into the data buffer. */
  offset: number;
  /** Byte length (4 × number of values). */
  length: number;
}

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  version: typeof WEIGHTS_VERSION;
  config: CPnetConfig;
  tensors: WeightsEntry[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function float32ToBytes(values: Float32Array, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) view.setFloat32(offset + 4 * i, values[i]!, true);
}

function bytesToFloat32(data: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(data.subarray(offset, offset + 4 * count));
    return out;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Every tensor of `net` (parameters and BatchNorm buffers) in state_dict order. */
export async function serializeWeights(net: CPnet): Promise<{ manifest: WeightsManifest; data: Uint8Array }> {
  const tensors: WeightsEntry[] = [];
  let offset = 0;
  for (const spec of net.layout) {
    const length = 4 * spec.shape.reduce((a, b) => a * b, 1);
    tensors.push({ name: spec.key, shape: [...spec.shape], dtype: 'float32', offset, length });
    offset += length;
  }
  const data = new Uint8Array(offset);
  for (const entry of tensors) {
    const values = (await net.variables.get(entry.name)!.data()) as Float32Array;
    float32ToBytes(values, data, entry.offset);
  }
  const config = { ...net.config, widths: [...net.config.widths] };
  return { manifest: { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, config, tensors }, data };
}

function checkConfig(net: CPnet, config: CPnetConfig | undefined): void {
  if (!config) throw new FormatError(`weights manifest has no 'config'`);
  const own = net.config;
  if (config.nchan !== own.nchan) {
    throw new ShapeError(
      `weights are for nchan ${config.nchan} input channels, the network has nchan ${own.nchan}`,
    );
  }
  if (config.nout !== own.nout) {
    throw new ShapeError(`weights are for nout ${config.nout} outputs, the network has nout ${own.nout}`);
  }
  if (!Array.isArray(config.widths) || !sameShape(config.widths, own.widths)) {
    throw new ShapeError(`weights are for widths [${config.widths}], the network has widths [${own.widths}]`);
  }
}

/**
 * Load weights written by `serializeWeights` into `net`. Every tensor of the network must be
 * present with the same shape; nothing is changed unless all are valid.
 */
export function loadWeights(net: CPnet, manifest: WeightsManifest, data: Uint8Array): void {
  if (manifest?.format !== WEIGHTS_FORMAT) {
    throw new FormatError(`weights manifest 'format' must be '${WEIGHTS_FORMAT}', got '${manifest?.format}'`);
  }
  if (manifest.version !== WEIGHTS_VERSION) {
    throw new FormatError(`weights manifest 'version' ${manifest.version} is not supported (expected 1)`);
  }
  checkConfig(net, manifest.config);
  const specs = new Map(net.layout.map((s) => [s.key, s]));
  const values = new Map<string, Float32Array>();
  for (const entry of manifest.tensors ?? []) {
    const spec = specs.get(entry.name);
    if (!spec) throw new FormatError(`weights hold '${entry.name}', which the network does not have`);
    if (entry.dtype !== 'float32')
      throw new DtypeError(`'${entry.name}': dtype ${entry.dtype}, expected float32`);
    if (!Array.isArray(entry.shape) || !sameShape(entry.shape, spec.shape)) {
      throw new ShapeError(
        `'${entry.name}': weights have shape [${entry.shape}], the network [${spec.shape}]`,
      );
    }
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const { offset, length } = entry;
    if (length !== 4 * count || !Number.isInteger(offset) || offset < 0 || offset + length > data.length) {
      throw new FormatError(
        `'${entry.name}': bytes [${offset}, +${length}) do not hold ${count} float32 in a ${data.length}-byte buffer`,
      );
    }
    values.set(entry.name, bytesToFloat32(data, offset, count));
  }
  for (const key of specs.keys()) {
    if (!values.has(key)) throw new FormatError(`weights lack '${key}'`);
  }
  net.assignValues(values);
}
