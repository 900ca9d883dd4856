/**
 * A whole training step of a small CNN — conv 3×3 → batch norm (batch moments) → ReLU → maxPool 2
 * → nearest upsampling → conv 3×3, with a bilinear-sampling sigmoid cross-entropy loss read through
 * `gather` and a squared-error term read through `gatherND` — gives the same loss and the same
 * gradients for every parameter on `wasm` (with the kernels of src/engine/backends/) as on `cpu`:
 * max |wasm − cpu| / max |cpu| < 1e-3 per parameter. This exercises Conv2DBackpropFilter,
 * Conv2DBackpropInput, UnsortedSegmentSum (gather's gradient), the GatherNd gradient, and wasm's own
 * MaxPoolGrad, ResizeNearestNeighborGrad and FusedBatchNorm.
 */
import {
  add,
  batchNorm,
  conv2d,
  engine,
  gather,
  gatherND,
  grad,
  grads,
  image,
  losses,
  maxPool,
  mean,
  moments,
  mul,
  type NamedAttrMap,
  relu,
  reshape,
  setBackend,
  slice,
  squaredDifference,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor4D,
  tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backends/select.ts';
import { Random } from '../../src/engine/random.ts';

const [N, H, W, C_IN, C_MID, C_OUT] = [2, 16, 16, 2, 8, 2];

const PARAM_SHAPES: Record<string, number[]> = {
  w1: [3, 3, C_IN, C_MID], // no bias: batch norm removes it (its gradient would be rounding noise)
  gamma: [C_MID],
  beta: [C_MID],
  w2: [3, 3, C_MID, C_OUT],
  b2: [C_OUT],
};

function randomValues(rng: Random, shape: number[], scale: number, offset = 0): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => offset + scale * rng.normal());
}

/** Fixed inputs, parameters and sampling points, shared by both backends. */
function makeProblem(seed: number) {
  const rng = new Random(seed);
  const image = randomValues(rng, [N, H, W, C_IN], 1);
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(PARAM_SHAPES)) {
    params[name] = randomValues(rng, shape, name === 'gamma' ? 0.1 : 0.3, name === 'gamma' ? 1 : 0);
  }
  // Bilinear sampling of channel 0 at 40 sub-pixel points: 4 flat indices and weights each.
  const corners: number[] = [];
  const weights: number[] = [];
  const labels: number[] = [];
  for (let p = 0; p < 40; p++) {
    const [n, r, c] = [rng.int(0, N - 1), rng.uniform(0, H - 1.001), rng.uniform(0, W - 1.001)];
    const [r0, c0] = [Math.floor(r), Math.floor(c)];
    const [fr, fc] = [r - r0, c - c0];
    for (const [dr, dc, wgt] of [
      [0, 0, (1 - fr) * (1 - fc)],
      [0, 1, (1 - fr) * fc],
      [1, 0, fr * (1 - fc)],
      [1, 1, fr * fc],
    ] as const) {
      corners.push(((n * H + r0 + dr) * W + c0 + dc) * C_OUT);
      weights.push(wgt);
    }
    labels.push(rng.next() < 0.5 ? 0 : 1);
  }
  // Squared error on channel 1 at 30 whole pixels, some repeated (their gradients accumulate).
  const pixels = Array.from({ length: 30 }, () => [rng.int(0, N - 1), rng.int(0, H - 1), rng.int(0, W - 1)]);
  pixels.push(pixels[0]!, pixels[1]!);
  const targets = randomValues(rng, [pixels.length], 1);
  return { image, params, corners, weights, labels, pixels, targets };
}

type Problem = ReturnType<typeof makeProblem>;

/** Loss and gradients of the network on the active backend, read back as plain arrays. */
async function trainingStep(problem: Problem) {
  const names = Object.keys(PARAM_SHAPES);
  const result = tidy(() => {
    const x = tensor(problem.image, [N, H, W, C_IN]) as Tensor4D;
    const corners = tensor(problem.corners, undefined, 'int32');
    const weights = tensor(problem.weights, [problem.labels.length, 4]);
    const labels = tensor(problem.labels);
    const pixels = tensor(problem.pixels, undefined, 'int32');
    const targets = tensor(problem.targets);
    const loss = (...p: Tensor[]) => {
      const [w1, gamma, beta, w2, b2] = p as [Tensor4D, Tensor1D, Tensor1D, Tensor4D, Tensor1D];
      let h = conv2d(x, w1, 1, 'same');
      const { mean: mu, variance } = moments(h, [0, 1, 2]);
      h = relu(batchNorm(h, mu, variance, beta, gamma, 1e-3)) as Tensor4D;
      h = image.resizeNearestNeighbor(maxPool(h, 2, 2, 'same'), [H, W]);
      const out = add(conv2d(h, w2, 1, 'same'), b2);
      const sampled = reshape(gather(reshape(out, [-1]), corners), [problem.labels.length, 4]);
      const logits = sum(mul(sampled, weights), 1);
      const bce = losses.sigmoidCrossEntropy(labels, logits);
      const channel1 = slice(out, [0, 0, 0, 1], [N, H, W, 1]);
      const mse = mean(squaredDifference(reshape(gatherND(channel1, pixels), [-1]), targets));
      return add(bce, mul(mse, 0.5));
    };
    const params = names.map((name) => tensor(problem.params[name]!, PARAM_SHAPES[name]));
    return { value: loss(...params), grads: grads(loss)(params) };
  });
  const value = (await result.value.data())[0]!;
  const gradients: Record<string, Float32Array> = {};
  for (const [i, g] of result.grads.entries()) gradients[names[i]!] = (await g.data()) as Float32Array;
  result.value.dispose();
  for (const g of result.grads) g.dispose();
  return { value, gradients };
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

beforeAll(async () => {
  expect((await initBackend('auto')).name).toBe('wasm');
});

/**
 * Brute-force gradient of nearest resizing: run the forward op on an image of pixel ids to learn
 * which input pixel each output pixel copies, then add dy up per source pixel.
 */
async function resizeNearestReference(
  dy: Float32Array,
  [n, xh, xw, c]: number[],
  [yh, yw]: number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Promise<Float32Array> {
  const ids = tensor(
    Float32Array.from({ length: xh * xw }, (_, i) => i),
    [1, xh, xw, 1],
  ) as Tensor4D;
  const source = await image.resizeNearestNeighbor(ids, [yh, yw], alignCorners, halfPixelCenters).data();
  const dx = new Float32Array(n * xh * xw * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < yh * yw; p++) {
      for (let k = 0; k < c; k++) dx[(b * xh * xw + source[p]!) * c + k]! += dy[(b * yh * yw + p) * c + k]!;
    }
  }
  return dx;
}

describe('gradients a training step needs', () => {
  it('ResizeNearestNeighborGrad equals the brute-force sum over the forward map, on cpu and wasm', async () => {
    const rng = new Random(93);
    for (let k = 0; k < 20; k++) {
      const x = [rng.int(1, 3), rng.int(2, 9), rng.int(2, 9), rng.int(1, 16)];
      // mostly 2× upsampling (U-Net decoders), also arbitrary up/down sizes and every flag setting
      const size = k % 3 === 0 ? [rng.int(1, 19), rng.int(1, 19)] : [x[1]! * 2, x[2]! * 2];
      const [alignCorners, halfPixelCenters] = [
        [false, false],
        [true, false],
        [false, true],
      ][k % 3]!;
      const dyShape = [x[0]!, size[0]!, size[1]!, x[3]!];
      const dy = randomValues(rng, dyShape, 1);
      const ref = await resizeNearestReference(dy, x, size, alignCorners!, halfPixelCenters!);
      for (const backend of ['cpu', 'wasm'] as const) {
        await setBackend(backend);
        const out = engine().runKernel(
          'ResizeNearestNeighborGrad',
          { dy: tensor(dy, dyShape), images: tensor(new Float32Array(ref.length), x) },
          { alignCorners, halfPixelCenters, size } as NamedAttrMap,
        ) as Tensor;
        const label = `#${k} x[${x}] → ${size} align ${alignCorners} half ${halfPixelCenters} on ${backend}`;
        expect(relativeError(await out.data(), ref), label).toBeLessThan(1e-6);
      }
    }
  });

  it('GatherNd gradient equals that of the same gather through flat indices (repeats accumulate)', async () => {
    const rng = new Random(94);
    for (const backend of ['cpu', 'wasm'] as const) {
      await setBackend(backend);
      const params = tensor(randomValues(rng, [2, 5, 4, 3], 1), [2, 5, 4, 3]);
      const idx = Array.from({ length: 12 }, () => [rng.int(0, 1), rng.int(0, 4), rng.int(0, 3)]);
      idx.push(idx[0]!, idx[0]!);
      const weights = tensor(randomValues(rng, [idx.length, 3], 1), [idx.length, 3]);
      const byNd = grad((p: Tensor) => sum(mul(gatherND(p, tensor(idx, undefined, 'int32')), weights)))(
        params,
      );
      const flat = tensor(
        idx.map(([n, r, c]) => (n! * 5 + r!) * 4 + c!),
        undefined,
        'int32',
      );
      const byFlat = grad((p: Tensor) => sum(mul(gather(reshape(p, [40, 3]), flat), weights)))(params);
      expect(relativeError(await byNd.data(), await byFlat.data()), backend).toBeLessThan(1e-6);
    }
  });
});

describe('a CNN training step on wasm', () => {
  it('gives the cpu backend’s loss and gradients (relative error < 1e-3 per parameter)', async () => {
    for (const seed of [91, 92]) {
      const problem = makeProblem(seed);
      await setBackend('cpu');
      const ref = await trainingStep(problem);
      await setBackend('wasm');
      const got = await trainingStep(problem);
      expect(Math.abs(got.value - ref.value) / Math.abs(ref.value)).toBeLessThan(1e-5);
      for (const name of Object.keys(PARAM_SHAPES)) {
        const error = relativeError(got.gradients[name]!, ref.gradients[name]!);
        if (process.env.BACKENDS_VERBOSE) console.log(`seed ${seed} d${name}`, error.toExponential(1));
        // every parameter is reached by the backward pass
        expect(
          ref.gradients[name]!.some((v) => v !== 0),
          name,
        ).toBe(true);
        expect(error, `seed ${seed} gradient of ${name}`).toBeLessThan(1e-3);
      }
    }
  });
});
