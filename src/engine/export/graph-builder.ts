/**
 * Builds an ONNX graph (onnx-proto.ts) node by node: each helper adds one or two NCHW float32
 * nodes and returns the name of its output, so exporters read like the forward pass they mirror.
 * Node and value names are derived from a caller's hint (the PyTorch module path) plus a counter,
 * so they are unique and a Netron view of the graph points back to the state_dict keys.
 */
import type { ChannelAffine, ConvParams } from './fold.ts';
import type { AttributeValue, OnnxNode, OnnxTensor } from './onnx-proto.ts';

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  /** The shared `[2, 3]` axes of every `Unsqueeze`. */
  private axesHW: string | undefined;

  /** `hint`, or `hint#k` for the smallest k that makes it unused. */
  private unique(hint: string): string {
    let name = hint;
    for (let k = 1; this.used.has(name); k++) name = `${hint}#${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a constant and returns its name. */
  constant(hint: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** Adds one node with one output; `output` names it exactly (a graph output), else it is derived. */
  node(
    opType: string,
    hint: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    output?: string,
  ): string {
    const name = this.unique(`${hint}/${opType}`);
    const out = output ?? name;
    if (output !== undefined) this.used.add(output);
    this.nodes.push({ opType, name, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  /** `Conv` with "same" zero padding (k odd), stride 1, and a bias. */
  conv(hint: string, x: string, p: ConvParams, output?: string): string {
    const w = this.constant(`${hint}.weight`, [p.out, p.in, p.k, p.k], p.weight);
    const b = this.constant(`${hint}.bias`, [p.out], p.bias);
    const pad = (p.k - 1) / 2;
    const attributes: Record<string, AttributeValue> = {
      kernel_shape: { kind: 'ints', value: [p.k, p.k] },
      pads: { kind: 'ints', value: [pad, pad, pad, pad] },
      strides: { kind: 'ints', value: [1, 1] },
    };
    return this.node('Conv', hint, [x, w, b], attributes, output);
  }

  /** A per-channel `Mul` on `[N, C, H, W]`. */
  mulChannels(hint: string, x: string, scale: Float64Array): string {
    const s = this.constant(`${hint}.scale`, [1, scale.length, 1, 1], Float32Array.from(scale));
    return this.node('Mul', hint, [x, s]);
  }

  /** A per-channel affine map `scale·x + shift` as `Mul` then `Add`. */
  affine(hint: string, x: string, a: ChannelAffine): string {
    const t = this.constant(`${hint}.shift`, [1, a.shift.length, 1, 1], Float32Array.from(a.shift));
    return this.node('Add', hint, [this.mulChannels(hint, x, a.scale), t]);
  }

  /** `style · W + b` (W `[in, out]`) reshaped to `[N, out, 1, 1]` for broadcasting over pixels. */
  linearPerChannel(hint: string, style: string, weight: Float32Array, bias: Float32Array): string {
    const out = bias.length;
    const w = this.constant(`${hint}.weight`, [weight.length / out, out], weight);
    const b = this.constant(`${hint}.bias`, [out], bias);
    this.axesHW ??= this.constant('unsqueeze_axes_hw', [2], BigInt64Array.from([2n, 3n]));
    const axes = this.axesHW;
    return this.node('Unsqueeze', hint, [this.node('Gemm', hint, [style, w, b]), axes]);
  }

  relu(hint: string, x: string): string {
    return this.node('Relu', hint, [x]);
  }

  add(hint: string, a: string, b: string, output?: string): string {
    return this.node('Add', hint, [a, b], undefined, output);
  }

  /** `MaxPool` 2×2, stride 2 (PyTorch `nn.MaxPool2d(2)`). */
  maxPool2(hint: string, x: string): string {
    const two = { kind: 'ints', value: [2, 2] } as const;
    return this.node('MaxPool', hint, [x], { kernel_shape: two, strides: two });
  }

  /** Nearest ×2 `Resize`: output (r, c) copies input (⌊r/2⌋, ⌊c/2⌋), as tfjs and PyTorch do. */
  upsample2(hint: string, x: string): string {
    const scales = this.constant(`${hint}.scales`, [4], Float32Array.from([1, 1, 2, 2]));
    return this.node('Resize', hint, [x, '', scales], {
      mode: { kind: 'string', value: 'nearest' },
      coordinate_transformation_mode: { kind: 'string', value: 'asymmetric' },
      nearest_mode: { kind: 'string', value: 'floor' },
    });
  }
}
