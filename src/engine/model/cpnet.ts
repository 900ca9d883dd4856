/**
 * Omnipose's CPnet (cellpose_omni/resnet_torch.py `CPnet`, residual_on, style_on, concatenation
 * off, 2-D) in TensorFlow.js, NHWC. Four residual down-blocks with MaxPool(2) before levels 1-3; a
 * style vector (global average of the deepest map, L2-normalised); four residual up-blocks with
 * nearest ×2 upsampling, additive skips and the style added before their three later convs (the
 * deepest takes the bottleneck as both input and skip); head BN → ReLU → 1×1 conv to
 * `[flowY, flowX, distance, boundary_logit]` (ALGORITHM.md §4).
 *
 * Every tensor is a `tf.Variable` keyed in `variables` by its PyTorch state_dict key, in
 * state_dict order; its TensorFlow.js name is `<scope>/<key>` because the engine's variable names
 * must be unique and several networks may coexist. Layouts: see layout.ts.
 */
import {
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  tensor,
  tidy,
  type Variable,
  variable,
} from '@tensorflow/tfjs-core';
import { DtypeError, ShapeError, ValueError } from '../errors.ts';
import { batchConv, type ForwardContext, makeStyle, maxPool2, resDown, resUp, upsample2 } from './blocks.ts';
import { type CPnetConfig, type CPnetOptions, resolveConfig, sideMultiple } from './config.ts';
import { initialValues } from './init.ts';
import { countParameters, type ParamSpec, stateDictLayout } from './layout.ts';

export interface ApplyOptions {
  /** Train mode: BatchNorm uses batch statistics and updates its running statistics. Default false. */
  training?: boolean;
}

export interface CPnetOutput {
  /** `[N, H, W, nout]`: `[flowY, flowX, distance, boundary_logit]` for nout 4. */
  output: Tensor4D;
  /** `[N, C]`, the L2-normalised style vector (Omnipose's second return value). */
  style: Tensor2D;
}

let nextScope = 0;

export class CPnet {
  readonly config: CPnetConfig;
  /** Prefix of the TensorFlow.js variable names. */
  readonly scope: string;
  /** Every state_dict entry, in PyTorch's order. */
  readonly layout: readonly ParamSpec[];
  /** Variables by PyTorch state_dict key, in state_dict order. */
  readonly variables: ReadonlyMap<string, Variable>;
  /** Trainable scalars (6,600,876 for the full preset at nchan 2, nout 4). */
  readonly parameterCount: number;
  private isDisposed = false;

  constructor(config: CPnetConfig, scope: string) {
    this.config = config;
    this.scope = scope;
    this.layout = stateDictLayout(config);
    this.parameterCount = countParameters(this.layout);
    const values = initialValues(this.layout, config.seed);
    const vars = new Map<string, Variable>();
    try {
      tidy(() => {
        this.layout.forEach((spec, i) => {
          const init = tensor(values[i]!, spec.shape, 'float32');
          vars.set(spec.key, variable(init, spec.trainable, `${scope}/${spec.key}`));
        });
      });
    } catch (err) {
      for (const v of vars.values()) v.dispose();
      throw new ValueError(`cannot create CPnet variables in scope '${scope}': ${(err as Error).message}`);
    }
    this.variables = vars;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** The trainable variables in state_dict order (a stable order, as optimizers index slots by position). */
  trainableVariables(): Variable[] {
    return this.layout.filter((s) => s.trainable).map((s) => this.variables.get(s.key)!);
  }

  /** Output and style for an NHWC float32 batch whose sides are multiples of 2^(levels−1) (8). */
  forward(x: Tensor4D, options: ApplyOptions = {}): CPnetOutput {
    this.checkInput(x);
    const training = options.training ?? false;
    const ctx: ForwardContext = {
      training,
      param: (key) => this.variable(key),
      setBuffer: (key, value) => this.variable(key).assign(value),
    };
    const levels = this.config.widths.length;
    return tidy(() => {
      const xd: Tensor4D[] = [];
      for (let n = 0; n < levels; n++) {
        xd.push(resDown(ctx, `downsample.down.res_down_${n}`, n === 0 ? x : maxPool2(xd[n - 1]!)));
      }
      const deepest = xd[levels - 1]!;
      const style = makeStyle(deepest);
      let y = resUp(ctx, `upsample.up.res_up_${levels - 1}`, deepest, deepest, style);
      for (let n = levels - 2; n >= 0; n--)
        y = resUp(ctx, `upsample.up.res_up_${n}`, upsample2(y), xd[n]!, style);
      return { output: batchConv(ctx, 'output', y), style };
    });
  }

  /** `forward(x).output`; see `forward`. */
  apply(x: Tensor4D, options: ApplyOptions = {}): Tensor4D {
    const { output, style } = this.forward(x, options);
    style.dispose();
    return output;
  }

  /**
   * Replace tensor values (in this engine's layout) after checking every key and size, so that a
   * failed load leaves the network unchanged. Used by the weight loaders.
   */
  assignValues(values: ReadonlyMap<string, Float32Array>): void {
    const specs = new Map(this.layout.map((s) => [s.key, s]));
    for (const [key, data] of values) {
      const spec = specs.get(key);
      if (!spec) throw new ValueError(`CPnet has no tensor '${key}'`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) {
        throw new ShapeError(`'${key}': ${data.length} values for shape [${spec.shape}] (${size} values)`);
      }
    }
    tidy(() => {
      for (const [key, data] of values)
        this.variable(key).assign(tensor(data, specs.get(key)!.shape, 'float32'));
    });
  }

  /** Free every variable; the network cannot be used afterwards. */
  dispose(): void {
    if (this.isDisposed) return;
    for (const v of this.variables.values()) v.dispose();
    this.isDisposed = true;
  }

  private variable(key: string): Variable {
    if (this.isDisposed) throw new ValueError(`CPnet '${this.scope}' was disposed`);
    const v = this.variables.get(key);
    if (!v) throw new ValueError(`CPnet has no tensor '${key}'`);
    return v;
  }

  private checkInput(x: Tensor): void {
    const { nchan } = this.config;
    const mult = sideMultiple(this.config);
    if (x.rank !== 4)
      throw new ShapeError(`CPnet input must be NHWC [N, H, W, ${nchan}], got shape [${x.shape}]`);
    if (x.dtype !== 'float32') throw new DtypeError(`CPnet input must be float32, got ${x.dtype}`);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    if (c !== nchan)
      throw new ShapeError(`CPnet input has ${c} channels, the network ${nchan}: shape [${x.shape}]`);
    if (n < 1 || h < mult || w < mult || h % mult !== 0 || w % mult !== 0) {
      throw new ShapeError(`CPnet input sides must be positive multiples of ${mult}, got shape [${x.shape}]`);
    }
  }
}

/** A new CPnet initialised from `options.seed` (see init.ts). */
export function createCPnet(options: CPnetOptions = {}): CPnet {
  const config = resolveConfig(options);
  const scope = options.scope ?? `cpnet${nextScope++}`;
  return new CPnet(config, scope);
}
