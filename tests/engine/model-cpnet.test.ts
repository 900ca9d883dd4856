/**
 * CPnet structure and mechanics (ALGORITHM.md §4). Invariants: the full preset has Omnipose's
 * 6,600,876 trainable parameters and 311 state_dict entries; variables are keyed by PyTorch names
 * in state_dict order; initialisation is a function of the seed; inputs are validated; forward
 * passes leak no tensors; train-mode BatchNorm moves its running statistics as PyTorch does
 * (momentum 0.1, unbiased variance), eval mode does not; our nearest ×2 upsampling has the right
 * gradient for batches > 1 (tfjs-backend-cpu's own is wrong there).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import {
  grad,
  memory,
  mul,
  randomNormal,
  scalar,
  setBackend,
  sum,
  type Tensor,
  type Tensor4D,
  tensor1d,
  tensor4d,
  zeros,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/engine/errors.ts';
import { batchNorm2d, type ForwardContext, upsample2 } from '../../src/engine/model/blocks.ts';
import { createCPnet } from '../../src/engine/model/index.ts';

const values = async (t: Tensor) => Array.from((await t.data()) as Float32Array);

beforeAll(async () => {
  await setBackend('cpu');
});

describe('CPnet structure', () => {
  it('full preset: 6,600,876 parameters, 311 state_dict entries, PyTorch key names', () => {
    const net = createCPnet({ nchan: 2, nout: 4, widths: 'full' });
    expect(net.parameterCount).toBe(6_600_876);
    expect(net.variables.size).toBe(311);
    const keys = [...net.variables.keys()];
    expect(keys[0]).toBe('downsample.down.res_down_0.conv.conv_0.0.weight');
    expect(keys[keys.length - 1]).toBe('output.2.bias');
    expect(net.variables.get('downsample.down.res_down_0.conv.conv_0.2.weight')!.shape).toEqual([
      3, 3, 2, 32,
    ]);
    expect(net.variables.get('upsample.up.res_up_3.conv.conv_1.full.weight')!.shape).toEqual([256, 256]);
    expect(net.variables.get('output.0.num_batches_tracked')!.shape).toEqual([]);
    const trainable = net.trainableVariables();
    expect(trainable.reduce((n, v) => n + v.size, 0)).toBe(6_600_876);
    expect(trainable.every((v) => v.trainable)).toBe(true);
    expect(net.variables.get('output.0.running_var')!.trainable).toBe(false);
    net.dispose();
  });

  it('full preset runs on a 16×16 input', () => {
    const net = createCPnet({ widths: 'full' });
    const out = net.apply(zeros([1, 16, 16, 2]) as Tensor4D);
    expect(out.shape).toEqual([1, 16, 16, 4]);
    out.dispose();
    net.dispose();
  });

  it('initialisation is fixed by the seed; variable names are scoped', async () => {
    const a = createCPnet({ widths: 'small', seed: 3 });
    const b = createCPnet({ widths: 'small', seed: 3 });
    const c = createCPnet({ widths: 'small', seed: 4 });
    const key = 'upsample.up.res_up_1.conv.conv_2.full.weight';
    expect(await values(a.variables.get(key)!)).toEqual(await values(b.variables.get(key)!));
    expect(await values(a.variables.get(key)!)).not.toEqual(await values(c.variables.get(key)!));
    const w = await values(a.variables.get('downsample.down.res_down_0.conv.conv_1.2.weight')!);
    const bound = 1 / Math.sqrt(8 * 9);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(a.variables.get(key)!.name).toBe(`${a.scope}/${key}`);
    expect(a.scope).not.toBe(b.scope);
    for (const n of [a, b, c]) n.dispose();
  });

  it('rejects inputs of the wrong rank, channels, dtype or side', () => {
    const net = createCPnet({ widths: 'small' });
    expect(() => net.apply(zeros([1, 30, 48, 2]) as Tensor4D)).toThrow(ShapeError);
    expect(() => net.apply(zeros([1, 30, 48, 2]) as Tensor4D)).toThrow(/multiples of 8.*\[1,30,48,2\]/);
    expect(() => net.apply(zeros([1, 32, 48, 1]) as Tensor4D)).toThrow(/1 channels, the network 2/);
    expect(() => net.apply(zeros([32, 48, 2]) as unknown as Tensor4D)).toThrow(ShapeError);
    expect(() => net.apply(zeros([1, 32, 48, 2], 'int32') as Tensor4D)).toThrow(/float32/);
    net.dispose();
    expect(() => net.apply(zeros([1, 32, 48, 2]) as Tensor4D)).toThrow(/disposed/);
  });

  it('forward passes leak no tensors; dispose frees every variable', () => {
    const x = randomNormal([2, 16, 24, 2], 0, 1, 'float32', 5) as Tensor4D;
    const before = memory().numTensors;
    const net = createCPnet({ widths: 'small' });
    expect(memory().numTensors).toBe(before + net.variables.size);
    for (const training of [false, true, false]) net.apply(x, { training }).dispose();
    expect(memory().numTensors).toBe(before + net.variables.size);
    net.dispose();
    expect(memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('BatchNorm running statistics', () => {
  it('train mode: momentum 0.1 with the unbiased variance, counter + 1; eval mode: unchanged', async () => {
    // One channel, 4 values: mean 2.5, biased variance 1.25, unbiased 5/3.
    const x = tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const store = new Map<string, Tensor>([
      ['bn.weight', tensor1d([2])],
      ['bn.bias', tensor1d([0.5])],
      ['bn.running_mean', tensor1d([1])],
      ['bn.running_var', tensor1d([3])],
      ['bn.num_batches_tracked', scalar(7)],
    ]);
    const ctx = (training: boolean): ForwardContext => ({
      training,
      param: (k) => store.get(k)!,
      setBuffer: (k, v) => store.set(k, v),
    });
    const y = await values(batchNorm2d(ctx(true), 'bn', x));
    const expected = [1, 2, 3, 4].map((v) => ((v - 2.5) / Math.sqrt(1.25 + 1e-5)) * 2 + 0.5);
    for (const [i, v] of y.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
    expect((await values(store.get('bn.running_mean')!))[0]).toBeCloseTo(0.9 * 1 + 0.1 * 2.5, 6);
    expect((await values(store.get('bn.running_var')!))[0]).toBeCloseTo(0.9 * 3 + 0.1 * (5 / 3), 6);
    expect(await values(store.get('bn.num_batches_tracked')!)).toEqual([8]);
    const yEval = await values(batchNorm2d(ctx(false), 'bn', x));
    const m = 0.9 + 0.25;
    const v = 2.7 + 1 / 6;
    for (const [i, val] of yEval.entries())
      expect(val).toBeCloseTo(((i + 1 - m) / Math.sqrt(v + 1e-5)) * 2 + 0.5, 5);
    expect(await values(store.get('bn.num_batches_tracked')!)).toEqual([8]);
  });

  it('a train-mode forward moves every running mean of the network, an eval one none', async () => {
    const net = createCPnet({ widths: 'small', seed: 1 });
    const x = randomNormal([2, 16, 16, 2], 0, 1, 'float32', 9) as Tensor4D;
    const key = 'upsample.up.res_up_2.conv.conv_3.conv.0.running_mean';
    net.apply(x).dispose();
    expect(await values(net.variables.get(key)!)).toEqual(new Array(32).fill(0));
    net.apply(x, { training: true }).dispose();
    expect((await values(net.variables.get(key)!)).some((v) => v !== 0)).toBe(true);
    expect(await values(net.variables.get('output.0.num_batches_tracked')!)).toEqual([1]);
    net.dispose();
    x.dispose();
  });
});

describe('nearest ×2 upsampling', () => {
  it('copies each pixel to a 2×2 block; its gradient sums the block, for every batch item', async () => {
    const x = tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    expect(await values(upsample2(x))).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4, 5, 5, 6, 6, 5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8,
    ]);
    const dy = tensor4d(
      Array.from({ length: 32 }, (_, i) => i),
      [2, 4, 4, 1],
    );
    const g = grad((t: Tensor) => sum(mul(upsample2(t as Tensor4D), dy)))(x);
    expect(await values(g)).toEqual([10, 18, 42, 50, 74, 82, 106, 114]);
  });
});
