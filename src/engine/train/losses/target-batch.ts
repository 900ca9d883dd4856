/**
 * A batch of training targets as TensorFlow.js tensors, stacked from N per-patch `Targets`
 * (src/engine/targets/targets.ts; paper §2.2-2.3, ALGORITHM.md §1-2). Layout is batch-first NHWC
 * like the prediction: scalar fields `[N, H, W, 1]`, the flow `[N, H, W, 2]` (dy, dx: the two
 * planes of `Targets.flow` interleaved), masks float32 0/1 `[N, H, W, 1]`.
 *
 * Non-finite target values are replaced by 0: `lowerBound` d_CB is +∞ on a window with no known
 * edge at all (B = ∅ and nothing unknown), where `weight` ρ is already 0; with ∞ left in, the
 * masked sums would read 0·∞ = NaN.
 */
import {
  dispose,
  type Tensor2D,
  type Tensor3D,
  type Tensor4D,
  tensor2d,
  tensor3d,
  tensor4d,
} from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors.ts';
import { Random } from '../../random.ts';
import type { LossMasks, Targets } from '../../targets/targets.ts';
import { sampleEulerStarts } from './euler-starts.ts';

/** The masks the loss terms sum over (the Euler start set is `eulerStarts`). */
export type BatchMaskName = Exclude<keyof LossMasks, 'eulerStart'>;

export interface TargetBatch {
  /** `[N, H, W]` */
  shape: [number, number, number];
  /** d* `[N, H, W, 1]` */
  distance: Tensor4D;
  /** v* `[N, H, W, 2]`, (dy, dx), ×5 on cells */
  flow: Tensor4D;
  /** b* `[N, H, W, 1]`, 1 on B */
  boundary: Tensor4D;
  /** ρ = β + exp(−d_CB/α) `[N, H, W, 1]` */
  weight: Tensor4D;
  /** d_CB `[N, H, W, 1]`, the lower bound of the inequality term */
  lowerBound: Tensor4D;
  /** 0/1 float32 `[N, H, W, 1]` each */
  masks: Record<BatchMaskName, Tensor4D>;
  /** `[N, K, 2]` int32 (row, col) Euler start points; K = min(maxEulerStarts, H·W) */
  eulerStarts: Tensor3D;
  /** `[N, K]` float32, 1 for a real start point, 0 for padding */
  eulerStartValid: Tensor2D;
}

export interface StackOptions {
  /** Euler start points per patch; default 2,048 (ALGORITHM.md §5). */
  maxEulerStarts?: number;
  /** Draws the start points; default `new Random(seed)`. Pass one to vary them across batches. */
  random?: Random;
  /** Seed of the default `random`; default 0. */
  seed?: number;
}

const MASK_NAMES: readonly BatchMaskName[] = [
  'boundaryLoss',
  'distanceLoss',
  'flowLoss',
  'inequality',
  'valid',
];

function finiteOrZero(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

/** Stacks N patches of the same shape into tensors; the caller disposes them (`disposeTargetBatch`). */
export function stackTargets(targets: readonly Targets[], options: StackOptions = {}): TargetBatch {
  if (targets.length === 0) throw new ShapeError('stackTargets: no targets to stack');
  const [h, w] = targets[0]!.shape;
  targets.forEach((t, i) => {
    if (t.shape[0] !== h || t.shape[1] !== w) {
      throw new ShapeError(`stackTargets: targets[${i}] has shape [${t.shape}], targets[0] [${h}, ${w}]`);
    }
  });
  const n = targets.length;
  const hw = h * w;
  const random = options.random ?? new Random(options.seed ?? 0);
  const maxStarts = options.maxEulerStarts ?? 2048;

  const scalarField = (pick: (t: Targets) => ArrayLike<number>): Tensor4D => {
    const out = new Float32Array(n * hw);
    targets.forEach((t, b) => {
      const src = pick(t);
      for (let i = 0; i < hw; i++) out[b * hw + i] = finiteOrZero(src[i]!);
    });
    return tensor4d(out, [n, h, w, 1]);
  };
  const flow = new Float32Array(2 * n * hw);
  targets.forEach((t, b) => {
    for (let i = 0; i < hw; i++) {
      flow[2 * (b * hw + i)] = finiteOrZero(t.flow[i]!);
      flow[2 * (b * hw + i) + 1] = finiteOrZero(t.flow[hw + i]!);
    }
  });
  const starts = targets.map((t) => sampleEulerStarts(t.masks.eulerStart, [h, w], maxStarts, random));
  const k = starts[0]!.count;
  const points = new Int32Array(n * k * 2);
  const valid = new Float32Array(n * k);
  starts.forEach((s, b) => {
    points.set(s.points, b * k * 2);
    valid.set(s.valid, b * k);
  });

  const masks = {} as Record<BatchMaskName, Tensor4D>;
  for (const name of MASK_NAMES) masks[name] = scalarField((t) => t.masks[name]);
  return {
    shape: [n, h, w],
    distance: scalarField((t) => t.distance),
    flow: tensor4d(flow, [n, h, w, 2]),
    boundary: scalarField((t) => t.boundary),
    weight: scalarField((t) => t.weight),
    lowerBound: scalarField((t) => t.lowerBound),
    masks,
    eulerStarts: tensor3d(points, [n, k, 2], 'int32'),
    eulerStartValid: tensor2d(valid, [n, k]),
  };
}

/** Disposes every tensor of a batch. */
export function disposeTargetBatch(batch: TargetBatch): void {
  dispose([
    batch.distance,
    batch.flow,
    batch.boundary,
    batch.weight,
    batch.lowerBound,
    ...Object.values(batch.masks),
    batch.eulerStarts,
    batch.eulerStartValid,
  ]);
}
