/**
 * Read a PyTorch checkpoint holding a state_dict, as Omnipose/Cellpose save their models
 * (`torch.save(net.state_dict(), filename)`, cellpose_omni/resnet_torch.py `CPnet.save_model`;
 * model files often have no extension, e.g. `bact_phase_omnitorch_0`). The file is a zip
 * (zip.ts) whose `<archive>/data.pkl` is a protocol-2 pickle (pickle.ts) in which every tensor is
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` and every
 * storage a persistent id `('storage', torch.FloatStorage, key, location, numel)` naming the raw
 * little-endian entry `<archive>/data/<key>` (torch/serialization.py `_save`, `_load`).
 * Only the globals below are accepted; anything else is a FormatError naming it. Browser-safe.
 */
import { FormatError } from '../errors.ts';
import { type PickleValue, unpickle } from './pickle.ts';
import { listZipEntries, zipEntryData } from './zip.ts';

/** A tensor read from a checkpoint, in PyTorch's layout, converted to float32. */
export interface PthTensor {
  shape: number[];
  data: Float32Array;
  /** The dtype it had in the file (`int64` for BatchNorm's num_batches_tracked). */
  dtype: 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32';
}

interface Storage {
  kind: 'storage';
  dtype: PthTensor['dtype'];
  key: string;
  numel: number;
  itemSize: number;
}

interface TensorRef {
  kind: 'tensor';
  storage: Storage;
  offset: number;
  shape: number[];
  stride: number[];
}

const STORAGES: Record<string, { dtype: PthTensor['dtype']; size: number }> = {
  'torch.FloatStorage': { dtype: 'float32', size: 4 },
  'torch.DoubleStorage': { dtype: 'float64', size: 8 },
  'torch.HalfStorage': { dtype: 'float16', size: 2 },
  'torch.BFloat16Storage': { dtype: 'bfloat16', size: 2 },
  'torch.LongStorage': { dtype: 'int64', size: 8 },
  'torch.IntStorage': { dtype: 'int32', size: 4 },
};

const ints = (v: PickleValue, what: string): number[] => {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new FormatError(`pth: bad ${what}`);
  return v as number[];
};

function rebuildTensor(args: PickleValue[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if ((storage as unknown as Storage)?.kind !== 'storage' || !Number.isInteger(offset)) {
    throw new FormatError('pth: _rebuild_tensor_v2 without a storage');
  }
  const shape = ints(size!, 'tensor size');
  return {
    kind: 'tensor',
    storage: storage as unknown as Storage,
    offset: offset as number,
    shape,
    stride: ints(stride!, 'stride'),
  };
}

const GLOBALS = new Map<string, { call?: (args: PickleValue[]) => PickleValue }>([
  ['collections.OrderedDict', { call: () => new Map() }],
  ['torch._utils._rebuild_tensor_v2', { call: (args) => rebuildTensor(args) as unknown as PickleValue }],
  ['torch._utils._rebuild_parameter', { call: (args) => args[0]! }],
  ...Object.keys(STORAGES).map((name) => [name, {}] as const),
]);

function persistentLoad(pid: PickleValue): PickleValue {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== 5) {
    throw new FormatError(`pth: unsupported persistent id ${JSON.stringify(pid)}`);
  }
  const [, type, key, , numel] = pid;
  const name = (type as { qualifiedName?: string })?.qualifiedName ?? '';
  const info = STORAGES[name];
  if (!info || typeof key !== 'string' || !Number.isInteger(numel))
    throw new FormatError(`pth: bad storage ${name}`);
  return { kind: 'storage', dtype: info.dtype, key, numel: numel as number, itemSize: info.size };
}

function halfToFloat(h: number, bfloat: boolean): number {
  if (bfloat) return new Float32Array(new Uint32Array([h << 16]).buffer)[0]!;
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function readElement(view: DataView, dtype: PthTensor['dtype'], i: number): number {
  switch (dtype) {
    case 'float32':
      return view.getFloat32(4 * i, true);
    case 'float64':
      return view.getFloat64(8 * i, true);
    case 'float16':
      return halfToFloat(view.getUint16(2 * i, true), false);
    case 'bfloat16':
      return halfToFloat(view.getUint16(2 * i, true), true);
    case 'int64':
      return Number(view.getBigInt64(8 * i, true));
    case 'int32':
      return view.getInt32(4 * i, true);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d]! !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

function materialize(name: string, t: TensorRef, raw: Uint8Array): PthTensor {
  const { storage, shape, stride, offset } = t;
  if (raw.length < storage.numel * storage.itemSize)
    throw new FormatError(`pth: storage of '${name}' is truncated`);
  const count = shape.reduce((a, b) => a * b, 1);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
  if (count > 0 && (offset < 0 || last >= storage.numel)) {
    throw new FormatError(`pth: tensor '${name}' [${shape}] lies outside its storage of ${storage.numel}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (storage.dtype === 'float32' && isContiguous(shape, stride) && LITTLE_ENDIAN) {
    const copy = raw.slice(4 * offset, 4 * (offset + count));
    return { shape: [...shape], data: new Float32Array(copy.buffer), dtype: 'float32' };
  }
  const data = new Float32Array(count);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += idx[d]! * stride[d]!;
    data[i] = readElement(view, storage.dtype, at);
    for (let d = shape.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
  return { shape: [...shape], data, dtype: storage.dtype };
}

/** The tensors of a `torch.save`d state_dict, by key, in file order. */
export function readPth(bytes: Uint8Array): Map<string, PthTensor> {
  if (bytes[0] === 0x80 && bytes[1] === 0x02) {
    throw new FormatError(
      'pth: legacy (pre-1.6, non-zip) torch.save format; re-save it with a newer PyTorch',
    );
  }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new FormatError('pth: not a PyTorch zip checkpoint');
  const entries = new Map(listZipEntries(bytes).map((e) => [e.name, e]));
  const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new FormatError(`pth: no '<archive>/data.pkl' among [${[...entries.keys()].slice(0, 5)}]`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(zipEntryData(bytes, order)) !== 'little') {
    throw new FormatError('pth: big-endian checkpoints are not supported');
  }
  const root = unpickle(zipEntryData(bytes, entries.get(pkl)!), { globals: GLOBALS, persistentLoad });
  if (!(root instanceof Map)) throw new FormatError('pth: the pickled object is not a dict (a state_dict)');
  const out = new Map<string, PthTensor>();
  for (const [key, value] of root) {
    const name = String(key);
    if ((value as unknown as TensorRef)?.kind !== 'tensor')
      throw new FormatError(`pth: '${name}' is not a tensor`);
    const t = value as unknown as TensorRef;
    const entry = entries.get(`${prefix}data/${t.storage.key}`);
    if (!entry)
      throw new FormatError(`pth: storage '${prefix}data/${t.storage.key}' of '${name}' is missing`);
    out.set(name, materialize(name, t, zipEntryData(bytes, entry)));
  }
  return out;
}
