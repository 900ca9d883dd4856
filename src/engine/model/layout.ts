/**
 * The CPnet state-dict layout: every tensor's PyTorch key, shape and role, in the exact order of
 * `CPnet.state_dict()` of Omnipose 1.0.6 (cellpose_omni/resnet_torch.py): modules in registration
 * order, and within a BatchNorm its parameters (`weight`, `bias`) before its buffers
 * (`running_mean`, `running_var`, `num_batches_tracked`).
 *
 * Layout convention (NHWC TensorFlow.js): a PyTorch conv weight `[out, in, kh, kw]` is stored as
 * `[kh, kw, in, out]` (transpose axes (2, 3, 1, 0)); a Linear weight `[out, in]` as `[in, out]`
 * (transpose (1, 0)), so that `matMul(style, W)` equals PyTorch's `style @ W.T`. Everything else
 * keeps its shape; `num_batches_tracked` (int64 in PyTorch) is a float32 scalar here.
 */
import { type CPnetConfig, decoderWidths } from './config.ts';

export type ParamKind =
  | 'convWeight'
  | 'convBias'
  | 'linearWeight'
  | 'linearBias'
  | 'bnWeight'
  | 'bnBias'
  | 'bnMean'
  | 'bnVar'
  | 'bnCount';

export interface ParamSpec {
  /** The PyTorch state_dict key, e.g. `downsample.down.res_down_0.conv.conv_0.2.weight`. */
  key: string;
  kind: ParamKind;
  /** Shape in this engine's (TensorFlow.js) layout. */
  shape: number[];
  /** Shape in PyTorch's layout. */
  torchShape: number[];
  /** Trained by the optimizer (false for BatchNorm running statistics and the batch counter). */
  trainable: boolean;
  /** Fan-in of the layer the tensor belongs to (PyTorch's default init bound is 1/sqrt(fanIn)). */
  fanIn: number;
}

function batchNorm(out: ParamSpec[], prefix: string, c: number): void {
  const s = (key: string, kind: ParamKind, shape: number[], trainable: boolean) =>
    out.push({ key: `${prefix}.${key}`, kind, shape, torchShape: shape, trainable, fanIn: c });
  s('weight', 'bnWeight', [c], true);
  s('bias', 'bnBias', [c], true);
  s('running_mean', 'bnMean', [c], false);
  s('running_var', 'bnVar', [c], false);
  s('num_batches_tracked', 'bnCount', [], false);
}

function conv(out: ParamSpec[], prefix: string, cin: number, cout: number, k: number): void {
  const fanIn = cin * k * k;
  out.push({
    key: `${prefix}.weight`,
    kind: 'convWeight',
    shape: [k, k, cin, cout],
    torchShape: [cout, cin, k, k],
    trainable: true,
    fanIn,
  });
  out.push({
    key: `${prefix}.bias`,
    kind: 'convBias',
    shape: [cout],
    torchShape: [cout],
    trainable: true,
    fanIn,
  });
}

function linear(out: ParamSpec[], prefix: string, cin: number, cout: number): void {
  out.push({
    key: `${prefix}.weight`,
    kind: 'linearWeight',
    shape: [cin, cout],
    torchShape: [cout, cin],
    trainable: true,
    fanIn: cin,
  });
  out.push({
    key: `${prefix}.bias`,
    kind: 'linearBias',
    shape: [cout],
    torchShape: [cout],
    trainable: true,
    fanIn: cin,
  });
}

/** `batchconv`: Sequential(BatchNorm2d, ReLU, Conv2d) → keys `.0.*` (BN) and `.2.*` (conv). */
function batchConv(out: ParamSpec[], prefix: string, cin: number, cout: number, k: number): void {
  batchNorm(out, `${prefix}.0`, cin);
  conv(out, `${prefix}.2`, cin, cout, k);
}

/** `batchconv0` (the 1×1 shortcut): Sequential(BatchNorm2d, Conv2d) → keys `.0.*` and `.1.*`. */
function batchConvNoRelu(out: ParamSpec[], prefix: string, cin: number, cout: number, k: number): void {
  batchNorm(out, `${prefix}.0`, cin);
  conv(out, `${prefix}.1`, cin, cout, k);
}

/** Every state_dict entry of the network described by `config`, in PyTorch's order. */
export function stateDictLayout(config: CPnetConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  const { widths, nchan, nout } = config;
  for (let n = 0; n < widths.length; n++) {
    const cin = n === 0 ? nchan : widths[n - 1]!;
    const cout = widths[n]!;
    const base = `downsample.down.res_down_${n}`;
    for (let t = 0; t < 4; t++) batchConv(out, `${base}.conv.conv_${t}`, t === 0 ? cin : cout, cout, 3);
    batchConvNoRelu(out, `${base}.proj`, cin, cout, 1);
  }
  const up = decoderWidths(config);
  const styleChannels = up[up.length - 1]!;
  for (let n = 0; n < widths.length; n++) {
    const cin = up[n + 1]!;
    const cout = up[n]!;
    const base = `upsample.up.res_up_${n}`;
    batchConv(out, `${base}.conv.conv_0`, cin, cout, 3);
    for (let t = 1; t < 4; t++) {
      batchConv(out, `${base}.conv.conv_${t}.conv`, cout, cout, 3);
      linear(out, `${base}.conv.conv_${t}.full`, styleChannels, cout);
    }
    batchConvNoRelu(out, `${base}.proj`, cin, cout, 1);
  }
  batchConv(out, 'output', up[0]!, nout, 1);
  return out;
}

/** Number of trainable scalars (PyTorch's `sum(p.numel() for p in net.parameters())`). */
export function countParameters(layout: readonly ParamSpec[]): number {
  let n = 0;
  for (const p of layout) if (p.trainable) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}
