/**
 * Export of a CPnet (eval mode) to ONNX, regenerated from the TensorFlow.js weights, which stay the
 * one source of truth. The graph is NCHW: input `image` `[N, nchan, H, W]` (N, H, W symbolic; H, W
 * multiples of 8), outputs `output` `[N, nout, H, W]` and, unless `style: false`, `style` `[N, C]`.
 * Ops: Conv, Relu, Add, Mul, MaxPool, Resize (nearest, asymmetric, floor), GlobalAveragePool,
 * Flatten, LpNormalization, Gemm, Unsqueeze; valid for opsets 13–21 (default 17).
 *
 * BatchNorm folding (fold.ts). A CPnet has 5 BNs per block and one in the head (41 for 4 levels);
 * every BN is BN → (ReLU →) conv, and a BN cannot pass through the ReLU to the conv after it, so:
 * - down blocks, conv_1 and conv_3: the BN is folded into the *preceding* conv (conv_0, conv_2),
 *   whose output feeds only that BN;
 * - the 1×1 `proj` shortcuts (BN → conv, no ReLU): folded into that *following* 1×1 conv;
 * - up blocks, conv_3: `BN(conv_2 + style·W + b)`: its scale goes into conv_2, scale and shift
 *   into the style Linear (Gemm) — no op left;
 * - up blocks, conv_1 and conv_2: the input is a skip or residual sum also used elsewhere, so the
 *   shift goes into the style Linear and one per-channel `Mul` remains;
 * - down conv_0 and conv_2, up conv_0 and the head: the input is a block input or residual sum
 *   read by other branches: a per-channel `Mul` + `Add` remains.
 * For 4 levels: 8 into preceding convs, 8 into following 1×1 convs, 12 into style Linears (8 of
 * them with a Mul left), 13 as Mul + Add; no `BatchNormalization` op is emitted.
 */
import { ValueError } from '../errors.ts';
import type { CPnetConfig } from '../model/config.ts';
import type { CPnet } from '../model/cpnet.ts';
import { type ParamSpec, stateDictLayout } from '../model/layout.ts';
import { convTfjsToTorch } from '../model/transpose.ts';
import {
  batchNormAffine,
  type ConvParams,
  foldIntoConvInput,
  foldIntoConvOutput,
  foldIntoLinearOutput,
  scaleOnly,
} from './fold.ts';
import { GraphBuilder } from './graph-builder.ts';
import { encodeModel } from './onnx-proto.ts';

export interface OnnxExportOptions {
  /** ONNX opset, 13–21. Default 17. */
  opset?: number;
  /** Also output the L2-normalised style vector `style` `[N, C]`. Default true. */
  style?: boolean;
  /** Graph name. Default `cpnet`. */
  name?: string;
}

/** How each BatchNorm was folded (see the module comment). */
export interface FoldReport {
  intoPrecedingConv: number;
  intoFollowingConv: number;
  intoStyleLinear: number;
  /** Of `intoStyleLinear`, those that still need a per-channel Mul. */
  styleLinearWithMul: number;
  asMulAdd: number;
}

export interface OnnxExport {
  /** The `.onnx` file. */
  bytes: Uint8Array;
  folds: FoldReport;
  nodes: number;
  /** Float scalars in the initializers. */
  parameters: number;
}

export const DEFAULT_OPSET = 17;

/** Reads and folds the parameters of one network (values in this engine's layout). */
class Params {
  readonly folds: FoldReport = {
    intoPrecedingConv: 0,
    intoFollowingConv: 0,
    intoStyleLinear: 0,
    styleLinearWithMul: 0,
    asMulAdd: 0,
  };
  private readonly specs: Map<string, ParamSpec>;

  constructor(
    config: CPnetConfig,
    private readonly values: ReadonlyMap<string, Float32Array>,
  ) {
    this.specs = new Map(stateDictLayout(config).map((s) => [s.key, s]));
  }

  get(key: string): Float32Array {
    const spec = this.specs.get(key);
    const v = this.values.get(key);
    if (!spec || !v) throw new ValueError(`ONNX export: the network has no tensor '${key}'`);
    if (v.length !== spec.shape.reduce((a, b) => a * b, 1))
      throw new ValueError(`ONNX export: '${key}' has ${v.length} values for shape [${spec.shape}]`);
    return v;
  }

  bn(prefix: string) {
    const g = (k: string) => this.get(`${prefix}.${k}`);
    return batchNormAffine(g('weight'), g('bias'), g('running_mean'), g('running_var'));
  }

  /** Conv weights converted from `[kh, kw, in, out]` to ONNX's `[out, in, kh, kw]`. */
  conv(prefix: string): ConvParams {
    const [k, , cin, cout] = this.specs.get(`${prefix}.weight`)?.shape ?? [];
    const weight = convTfjsToTorch(this.get(`${prefix}.weight`), k!, k!, cin!, cout!);
    return { weight, bias: this.get(`${prefix}.bias`), out: cout!, in: cin!, k: k! };
  }

  /** A conv with the BN at `bnPrefix` (which reads only this conv's output) folded in. */
  convThenBn(prefix: string, bnPrefix: string): ConvParams {
    this.folds.intoPrecedingConv++;
    return foldIntoConvOutput(this.conv(prefix), this.bn(bnPrefix));
  }

  /** A 1×1 conv with the BN before it folded in. */
  bnThenConv(bnPrefix: string, prefix: string): ConvParams {
    this.folds.intoFollowingConv++;
    return foldIntoConvInput(this.conv(prefix), this.bn(bnPrefix));
  }
}

/** `resdown` (blocks.ts `resDown`) on the NCHW value `x`; returns the block output. */
function resDown(g: GraphBuilder, p: Params, prefix: string, x: string): string {
  const c = (t: number) => `${prefix}.conv.conv_${t}`;
  p.folds.asMulAdd += 2;
  const a0 = g.relu(c(0), g.affine(`${c(0)}.0`, x, p.bn(`${c(0)}.0`)));
  const h0 = g.conv(`${c(0)}.2`, a0, p.convThenBn(`${c(0)}.2`, `${c(1)}.0`));
  const c1 = g.conv(`${c(1)}.2`, g.relu(c(1), h0), p.conv(`${c(1)}.2`));
  const proj = g.conv(`${prefix}.proj.1`, x, p.bnThenConv(`${prefix}.proj.0`, `${prefix}.proj.1`));
  const y = g.add(prefix, proj, c1);
  const a2 = g.relu(c(2), g.affine(`${c(2)}.0`, y, p.bn(`${c(2)}.0`)));
  const h2 = g.conv(`${c(2)}.2`, a2, p.convThenBn(`${c(2)}.2`, `${c(3)}.0`));
  return g.add(prefix, y, g.conv(`${c(3)}.2`, g.relu(c(3), h2), p.conv(`${c(3)}.2`)));
}

/**
 * `resup` (blocks.ts `resUp`): `y = proj(x) + c1(style, c0(x) + skip); y + c3(style, c2(style, y))`,
 * where `cN(style, v) = conv(relu(BN(v + Linear(style))))`.
 */
function resUp(g: GraphBuilder, p: Params, prefix: string, x: string, skip: string, style: string): string {
  const c = (t: number) => `${prefix}.conv.conv_${t}`;
  /** `BN_t(v + Linear_t(style))` with the BN's shift (and scale, if `scaleV`) in the Linear. */
  const styled = (t: number, v: string, scaleV: boolean) => {
    const bn = p.bn(`${c(t)}.conv.0`);
    const lin = foldIntoLinearOutput(p.get(`${c(t)}.full.weight`), p.get(`${c(t)}.full.bias`), bn);
    const feat = g.linearPerChannel(`${c(t)}.full`, style, lin.weight, lin.bias);
    p.folds.intoStyleLinear++;
    if (scaleV) p.folds.styleLinearWithMul++;
    return g.add(`${c(t)}.conv.0`, scaleV ? g.mulChannels(`${c(t)}.conv.0`, v, bn.scale) : v, feat);
  };
  p.folds.asMulAdd++;
  const a0 = g.relu(c(0), g.affine(`${c(0)}.0`, x, p.bn(`${c(0)}.0`)));
  const first = g.add(c(0), g.conv(`${c(0)}.2`, a0, p.conv(`${c(0)}.2`)), skip);
  const c1 = g.conv(`${c(1)}.conv.2`, g.relu(c(1), styled(1, first, true)), p.conv(`${c(1)}.conv.2`));
  const proj = g.conv(`${prefix}.proj.1`, x, p.bnThenConv(`${prefix}.proj.0`, `${prefix}.proj.1`));
  const y = g.add(prefix, proj, c1);
  // conv_3's BN scale goes into conv_2 (its only reader), its shift into Linear_3.
  const c2 = foldIntoConvOutput(p.conv(`${c(2)}.conv.2`), scaleOnly(p.bn(`${c(3)}.conv.0`)));
  const h2 = g.conv(`${c(2)}.conv.2`, g.relu(c(2), styled(2, y, true)), c2);
  const c3 = g.conv(`${c(3)}.conv.2`, g.relu(c(3), styled(3, h2, false)), p.conv(`${c(3)}.conv.2`));
  return g.add(prefix, y, c3);
}

/** `make_style`: global average pool, flatten, divide by the L2 norm. */
function makeStyle(g: GraphBuilder, x: string, output?: string): string {
  const flat = g.node('Flatten', 'style', [g.node('GlobalAveragePool', 'style', [x])], {
    axis: { kind: 'int', value: 1 },
  });
  const l2 = { axis: { kind: 'int', value: 1 }, p: { kind: 'int', value: 2 } } as const;
  return g.node('LpNormalization', 'style', [flat], l2, output);
}

/**
 * The ONNX model of a CPnet with `config` and tensor `values` (every state_dict key, this engine's
 * layout, as `CPnet.variables` holds them). Pure: no TensorFlow.js call.
 */
export function buildCPnetOnnx(
  config: CPnetConfig,
  values: ReadonlyMap<string, Float32Array>,
  options: OnnxExportOptions = {},
): OnnxExport {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new ValueError(`ONNX export supports opsets 13-21, got ${opset}`);
  const withStyle = options.style ?? true;
  const g = new GraphBuilder();
  const p = new Params(config, values);
  const levels = config.widths.length;
  const xd: string[] = [];
  for (let n = 0; n < levels; n++) {
    const prefix = `downsample.down.res_down_${n}`;
    xd.push(resDown(g, p, prefix, n === 0 ? 'image' : g.maxPool2(prefix, xd[n - 1]!)));
  }
  const deepest = xd[levels - 1]!;
  const style = makeStyle(g, deepest, withStyle ? 'style' : undefined);
  let y = resUp(g, p, `upsample.up.res_up_${levels - 1}`, deepest, deepest, style);
  for (let n = levels - 2; n >= 0; n--) {
    const prefix = `upsample.up.res_up_${n}`;
    y = resUp(g, p, prefix, g.upsample2(prefix, y), xd[n]!, style);
  }
  p.folds.asMulAdd++;
  const head = g.relu('output', g.affine('output.0', y, p.bn('output.0')));
  g.conv('output.2', head, p.conv('output.2'), 'output');
  const styleChannels = config.widths[levels - 1]!;
  const graph = {
    name: options.name ?? 'cpnet',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'image', dims: ['N', config.nchan, 'H', 'W'] }],
    outputs: [
      { name: 'output', dims: ['N', config.nout, 'H', 'W'] },
      ...(withStyle ? [{ name: 'style', dims: ['N', styleChannels] }] : []),
    ],
    docString: `Omnipose CPnet, widths [${config.widths}], eval mode, BatchNorm folded; H, W multiples of ${2 ** (levels - 1)}`,
  };
  const bytes = encodeModel({
    graph,
    opset,
    producerName: 'sketchpose-web',
    producerVersion: '0.1.0',
    metadata: {
      config: JSON.stringify(config),
      layout: 'NCHW',
      ...(config.nout === 4 ? { output_channels: 'flowY,flowX,distance,boundary_logit' } : {}),
    },
  });
  const parameters = g.initializers.reduce(
    (s, t) => s + (t.data instanceof Float32Array ? t.data.length : 0),
    0,
  );
  return { bytes, folds: { ...p.folds }, nodes: g.nodes.length, parameters };
}

/** Reads `net`'s variables (any backend) and exports them; see `buildCPnetOnnx`. */
export async function exportCPnetOnnx(net: CPnet, options: OnnxExportOptions = {}): Promise<OnnxExport> {
  const values = new Map<string, Float32Array>();
  for (const [key, v] of net.variables) values.set(key, (await v.data()) as Float32Array);
  return buildCPnetOnnx(net.config, values, options);
}
