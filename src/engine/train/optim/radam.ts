/**
 * RAdam (Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020) as a
 * TensorFlow.js optimizer, with exactly the update of torch_optimizer 0.3.0's `RAdam`, the optimizer
 * the Sketchpose plugin trains with (ALGORITHM.md §5). Per variable, at its step t (1-based):
 *
 *   m ← β1·m + (1−β1)·g            v ← β2·v + (1−β2)·g²
 *   N_max = 2/(1−β2) − 1           N_t = N_max − 2t·β2^t/(1−β2^t)
 *   p ← p − wd·lr·p                (decoupled weight decay, applied to p before the step below;
 *                                   the gradient never sees wd, unlike an L2 penalty)
 *   N_t ≥ 5:  r = (1−β2^t)·(N_t−4)/(N_max−4)·(N_t−2)/N_t·N_max/(N_max−2)
 *             p ← p − lr·√r/(1−β1^t) · m/(√v + ε)
 *   N_t < 5:  p ← p − lr/(1−β1^t) · m           (un-rectified momentum step)
 *
 * The scalar step sizes are computed in float64, as torch_optimizer does in Python; tensors are
 * float32. torch_optimizer memoises the step size in a 10-slot buffer shared by all parameter
 * groups (a bug when groups have different learning rates); here there is one learning rate, so
 * the memoisation is not needed and not reproduced. As in torch, a variable whose gradient is
 * missing keeps its state untouched, and each variable counts its own steps.
 *
 * Slots are keyed by variable NAME, not by position (tfjs's Adam keys by position, ECOSYSTEM.md
 * §5.2), so the order of the gradient list may change between steps and between sessions.
 * Save/restore: `getWeights()` returns `iter`, then for each variable `<name>/m`, `<name>/v` and
 * `<name>/step` (int32 scalar); `setWeights()` accepts them in any order.
 *
 * @example
 *   const opt = new RAdamOptimizer({ learningRate: 0.1, weightDecay: 1e-4 });
 *   const loss = opt.minimize(() => lossOf(model(x)), true, variables);
 */
import '../gradients.ts';
import {
  add,
  div,
  engine,
  mul,
  type NamedTensorMap,
  Optimizer,
  scalar,
  serialization,
  sqrt,
  square,
  type Tensor,
  tidy,
  type Variable,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { ShapeError, ValueError } from '../../errors.ts';

type ConfigDict = serialization.ConfigDict;

/** A named tensor as `Optimizer.getWeights` exchanges them (tfjs-core does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

export interface RAdamConfig {
  /** Learning rate (Sketchpose plugin default 0.1). */
  learningRate: number;
  /** Decay of the first moment (Omnipose/Sketchpose 0.95; torch_optimizer's default is 0.9). */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to √v in the denominator. */
  epsilon: number;
  /** Decoupled weight decay `p −= wd·lr·p` (Sketchpose plugin default 1e-4). */
  weightDecay: number;
}

/** Sketchpose plugin defaults (ALGORITHM.md §5). */
export const RADAM_DEFAULTS: Readonly<RAdamConfig> = {
  learningRate: 0.1,
  beta1: 0.95,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 1e-4,
};

interface Slot {
  step: number;
  m: Variable;
  v: Variable;
}

const SLOT_SUFFIXES = ['m', 'v', 'step'] as const;

export class RAdamOptimizer extends Optimizer {
  static get className(): string {
    return 'RAdam';
  }

  readonly config: Readonly<RAdamConfig>;
  private slots = new Map<string, Slot>();

  constructor(config: Partial<RAdamConfig> = {}) {
    super();
    const c = { ...RADAM_DEFAULTS, ...config };
    // the ranges torch_optimizer's constructor accepts
    const ok: Record<keyof RAdamConfig, boolean> = {
      learningRate: c.learningRate > 0,
      beta1: c.beta1 >= 0 && c.beta1 < 1,
      beta2: c.beta2 >= 0 && c.beta2 < 1,
      epsilon: c.epsilon >= 0,
      weightDecay: c.weightDecay >= 0,
    };
    const bad = (Object.keys(ok) as (keyof RAdamConfig)[]).find((key) => !ok[key]);
    if (bad !== undefined) throw new ValueError(`RAdam: invalid ${bad} ${c[bad]}`);
    this.config = Object.freeze(c);
  }

  /** torch_optimizer's step size at step t (float64) and whether the step is rectified. */
  stepSize(t: number): { size: number; rectified: boolean } {
    const { learningRate: lr, beta1, beta2 } = this.config;
    const beta2t = beta2 ** t;
    const nMax = 2 / (1 - beta2) - 1;
    const nT = nMax - (2 * t * beta2t) / (1 - beta2t);
    if (nT >= 5) {
      const r = ((((((1 - beta2t) * (nT - 4)) / (nMax - 4)) * (nT - 2)) / nT) * nMax) / (nMax - 2);
      return { size: (lr * Math.sqrt(r)) / (1 - beta1 ** t), rectified: true };
    }
    return { size: lr / (1 - beta1 ** t), rectified: false };
  }

  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const entries: [string, Tensor | null | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const { beta1, beta2, epsilon, weightDecay, learningRate } = this.config;
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const value = engine().registeredVariables[name];
      if (value === undefined) throw new ValueError(`RAdam: no registered variable named '${name}'`);
      if (gradient.shape.join() !== value.shape.join()) {
        throw new ShapeError(
          `RAdam: gradient of '${name}' has shape [${gradient.shape}], variable [${value.shape}]`,
        );
      }
      const slot = this.slotFor(name, value);
      slot.step += 1;
      const { size, rectified } = this.stepSize(slot.step);
      tidy(() => {
        const v = add(mul(slot.v, beta2), mul(square(gradient), 1 - beta2));
        const m = add(mul(slot.m, beta1), mul(gradient, 1 - beta1));
        slot.v.assign(v);
        slot.m.assign(m);
        let p: Tensor = value;
        if (weightDecay !== 0) p = add(p, mul(p, -weightDecay * learningRate));
        const update = rectified ? div(m, add(sqrt(v), epsilon)) : m;
        value.assign(add(p, mul(update, -size)));
      });
    }
    this.incrementIterations();
  }

  private slotFor(name: string, value: Variable): Slot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = {
        step: 0,
        m: tidy(() => zerosLike(value).variable(false)),
        v: tidy(() => zerosLike(value).variable(false)),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  /** The optimizer's state; the returned tensors are fresh copies that the caller disposes. */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, slot] of this.slots) {
      out.push({ name: `${name}/m`, tensor: slot.m.clone() });
      out.push({ name: `${name}/v`, tensor: slot.v.clone() });
      out.push({ name: `${name}/step`, tensor: scalar(slot.step, 'int32') });
    }
    return out;
  }

  /** Replaces the state with `getWeights()`' output (any order; `iter` first or absent). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const iter = weightValues.find((w) => w.name === 'iter');
    this.iterations_ = iter ? (await iter.tensor.data())[0]! : 0;
    const parts = new Map<string, Partial<Record<(typeof SLOT_SUFFIXES)[number], Tensor>>>();
    for (const w of weightValues) {
      if (w.name === 'iter') continue;
      const cut = w.name.lastIndexOf('/');
      const suffix = w.name.slice(cut + 1) as (typeof SLOT_SUFFIXES)[number];
      if (cut < 0 || !SLOT_SUFFIXES.includes(suffix)) {
        throw new ValueError(`RAdam.setWeights: unexpected weight '${w.name}' (want <name>/m, /v or /step)`);
      }
      const name = w.name.slice(0, cut);
      parts.set(name, { ...parts.get(name), [suffix]: w.tensor });
    }
    const slots = new Map<string, Slot>();
    for (const [name, p] of parts) {
      if (!p.m || !p.v || !p.step) throw new ValueError(`RAdam.setWeights: '${name}' lacks m, v or step`);
      if (p.m.shape.join() !== p.v.shape.join()) {
        throw new ShapeError(`RAdam.setWeights: '${name}/m' [${p.m.shape}] and '/v' [${p.v.shape}] differ`);
      }
      const step = (await p.step.data())[0]!;
      // a variable shares the tensor's data by reference count: the caller may dispose its tensors
      slots.set(name, { step, m: p.m.variable(false), v: p.v.variable(false) });
    }
    this.disposeSlots();
    this.slots = slots;
  }

  private disposeSlots(): void {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }

  override dispose(): void {
    this.disposeSlots();
  }

  getConfig(): ConfigDict {
    return { ...this.config };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: ConfigDict,
  ): T {
    return new cls(config);
  }
}

serialization.registerClass(RAdamOptimizer);
