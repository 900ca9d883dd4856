/**
 * Import an Omnipose/Cellpose PyTorch state_dict (read by `readPth`) into a CPnet: keys are the
 * same (layout.ts), conv and Linear weights are transposed into this engine's layout
 * (transpose.ts), BatchNorm running statistics and counters are copied. Mirrors
 * `CPnet.load_model` (cellpose_omni/resnet_torch.py), but strict by default, where Omnipose calls
 * `load_state_dict(strict=False)` and would silently skip a mismatched file.
 */
import { FormatError, ShapeError } from '../errors.ts';
import type { CPnetConfig } from './config.ts';
import type { CPnet } from './cpnet.ts';
import { fromTorchLayout } from './transpose.ts';

/** A tensor in PyTorch layout (what `readPth` returns). */
export interface StateDictTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface ImportOptions {
  /** Refuse keys the network does not have (default true). */
  strict?: boolean;
}

const FIRST_CONV = 'downsample.down.res_down_0.conv.conv_0.2.weight';
const HEAD_CONV = 'output.2.weight';

/** Drop the `module.` prefix that `nn.DataParallel` adds to every key (Omnipose trains on GPU with it). */
function withoutDataParallel(sd: ReadonlyMap<string, StateDictTensor>): ReadonlyMap<string, StateDictTensor> {
  const keys = [...sd.keys()];
  if (keys.length === 0 || !keys.every((k) => k.startsWith('module.'))) return sd;
  return new Map([...sd].map(([k, v]) => [k.slice('module.'.length), v]));
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * The CPnet configuration a state_dict was trained with: encoder widths from the first conv of
 * each down-block, nchan from its input channels, nout from the head (seed 0).
 */
export function inferCPnetConfig(stateDict: ReadonlyMap<string, StateDictTensor>): CPnetConfig {
  const sd = withoutDataParallel(stateDict);
  const widths: number[] = [];
  let nchan = 0;
  for (let n = 0; ; n++) {
    const w = sd.get(`downsample.down.res_down_${n}.conv.conv_0.2.weight`);
    if (!w) break;
    if (w.shape.length !== 4) throw new ShapeError(`'res_down_${n}' conv weight has shape ${fmt(w.shape)}`);
    if (n === 0) nchan = w.shape[1]!;
    widths.push(w.shape[0]!);
  }
  const head = sd.get(HEAD_CONV);
  if (widths.length === 0 || !head)
    throw new FormatError(`state_dict lacks '${FIRST_CONV}' or '${HEAD_CONV}': not a CPnet`);
  return { nchan, nout: head.shape[0]!, widths, seed: 0 };
}

/** Copy a PyTorch CPnet state_dict into `net`; nothing changes unless every tensor fits. */
export function importStateDict(
  net: CPnet,
  stateDict: ReadonlyMap<string, StateDictTensor>,
  options: ImportOptions = {},
): void {
  const sd = withoutDataParallel(stateDict);
  const { nchan, nout } = net.config;
  const first = sd.get(FIRST_CONV);
  if (first && first.shape.length === 4 && first.shape[1] !== nchan) {
    throw new ShapeError(
      `state_dict was trained with nchan ${first.shape[1]} input channels ('${FIRST_CONV}' has shape ` +
        `${fmt(first.shape)}), the network has nchan ${nchan} (expects [${first.shape[0]}, ${nchan}, 3, 3])`,
    );
  }
  const head = sd.get(HEAD_CONV);
  if (head && head.shape.length === 4 && head.shape[0] !== nout) {
    throw new ShapeError(
      `state_dict has nout ${head.shape[0]} outputs ('${HEAD_CONV}' has shape ${fmt(head.shape)}), the network has nout ${nout}`,
    );
  }
  const values = new Map<string, Float32Array>();
  for (const spec of net.layout) {
    const t = sd.get(spec.key);
    if (!t) {
      // State dicts from PyTorch < 0.4.1 have no num_batches_tracked; keep the network's counter.
      if (spec.kind === 'bnCount') continue;
      throw new FormatError(`state_dict lacks '${spec.key}' (shape ${fmt(spec.torchShape)})`);
    }
    const same =
      t.shape.length === spec.torchShape.length && t.shape.every((v, i) => v === spec.torchShape[i]);
    if (!same) {
      throw new ShapeError(
        `'${spec.key}': state_dict has shape ${fmt(t.shape)}, the network expects ${fmt(spec.torchShape)} (PyTorch layout)`,
      );
    }
    values.set(spec.key, fromTorchLayout(spec, t.data));
  }
  if (options.strict ?? true) {
    const extra = [...sd.keys()].filter((k) => !net.variables.has(k));
    if (extra.length > 0) {
      throw new FormatError(
        `state_dict has ${extra.length} keys the network lacks: ${extra.slice(0, 5).join(', ')}`,
      );
    }
  }
  net.assignValues(values);
}
