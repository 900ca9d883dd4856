/**
 * CPnet against Omnipose's own PyTorch CPnet (fixtures by tests/fixtures/cpnet/make_fixture.py,
 * nbase [2, 8, 16, 32, 64], random BN statistics). Invariants: `readPth` returns the state_dict's
 * keys in order with PyTorch's shapes; with the imported weights our eval output and style equal
 * PyTorch's to relative error ≤ 1e-4 (max |a − b| / max |b|); one train-mode forward gives the same
 * output, the same running statistics (momentum 0.1, unbiased variance) and the same gradients
 * (reference computed in float64: on a larger batch PyTorch's own float32 gradients were 3.5e-2 off).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { readFileSync } from 'node:fs';
import {
  keep,
  mul,
  setBackend,
  sum,
  type Tensor,
  type Tensor4D,
  tensor4d,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NpyArray, readNpy } from '../../bench/lib/npy.ts';
import {
  createCPnet,
  fromTorchLayout,
  importStateDict,
  inferCPnetConfig,
  readPth,
  stateDictLayout,
} from '../../src/engine/model/index.ts';

const DIR = new URL('../fixtures/cpnet/', import.meta.url).pathname;
const meta = JSON.parse(readFileSync(`${DIR}meta.json`, 'utf8'));
const pth = (name: string) => readPth(new Uint8Array(readFileSync(`${DIR}${name}`)));

/** NCHW (PyTorch) → NHWC tensor. */
function nhwc(a: NpyArray): Tensor4D {
  const [n, c, h, w] = a.shape as [number, number, number, number];
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + k] = a.data[(i * c + k) * h * w + p]!;
  return tensor4d(out, [n, h, w, c]);
}

function relError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(ours.length).toBe(ref.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

const values = async (t: Tensor) => (await t.data()) as Float32Array;

beforeAll(async () => {
  await setBackend('cpu');
});

describe('readPth on an Omnipose CPnet state_dict', () => {
  it('returns every key in state_dict order with PyTorch shapes', () => {
    const sd = pth('small.pth');
    expect(sd.size).toBe(meta.state_dict_keys);
    const config = inferCPnetConfig(sd);
    expect(config).toEqual({ nchan: 2, nout: 4, widths: [8, 16, 32, 64], seed: 0 });
    const layout = stateDictLayout(config);
    expect([...sd.keys()]).toEqual(layout.map((s) => s.key));
    for (const spec of layout) expect(sd.get(spec.key)!.shape, spec.key).toEqual(spec.torchShape);
    const counter = sd.get('output.0.num_batches_tracked')!;
    expect(counter.dtype).toBe('int64');
    expect([...counter.data]).toEqual([7]);
  });
});

describe('CPnet with imported weights equals PyTorch', () => {
  it('eval mode: output and style, relative error ≤ 1e-4', async () => {
    const net = createCPnet({ nchan: 2, nout: 4, widths: 'small' });
    importStateDict(net, pth('small.pth'));
    const x = nhwc(readNpy(`${DIR}eval_input.npy.gz`));
    const { output, style } = net.forward(x);
    const ref = nhwc(readNpy(`${DIR}eval_output.npy.gz`));
    expect(output.shape).toEqual([1, 32, 48, 4]);
    expect(relError(await values(output), await values(ref))).toBeLessThanOrEqual(1e-4);
    expect(relError(await values(style), readNpy(`${DIR}eval_style.npy.gz`).data)).toBeLessThanOrEqual(1e-4);
    for (const t of [x, output, style, ref]) t.dispose();
    net.dispose();
  });

  it('train mode: output, running statistics and gradients', async () => {
    const net = createCPnet({ nchan: 2, nout: 4, widths: 'small' });
    importStateDict(net, pth('small.pth'));
    const x = nhwc(readNpy(`${DIR}train_input.npy.gz`));
    const weights = nhwc(readNpy(`${DIR}train_loss_weights.npy.gz`));
    const keys: string[] = meta.train.grad_keys;
    const varList = keys.map((k) => net.variables.get(k)!);
    let output: Tensor | undefined;
    const { value, grads } = variableGrads(() => {
      const out = net.apply(x, { training: true });
      output = keep(out.clone());
      return sum(mul(out, weights));
    }, varList);
    const ref = nhwc(readNpy(`${DIR}train_output.npy.gz`));
    expect(relError(await values(output!), await values(ref))).toBeLessThanOrEqual(1e-4);
    expect(Math.abs((await value.data())[0]! - meta.train.loss_value)).toBeLessThan(
      1e-3 * Math.abs(meta.train.loss_value),
    );

    const stats = pth('train_stats.pth');
    expect(stats.size).toBe(3 * net.layout.filter((s) => s.kind === 'bnMean').length);
    for (const [key, t] of stats) {
      const ours = await values(net.variables.get(key)!);
      if (key.endsWith('num_batches_tracked')) expect([...ours], key).toEqual([8]);
      else expect(relError(ours, t.data), key).toBeLessThanOrEqual(1e-5);
    }

    const layout = new Map(net.layout.map((s) => [s.key, s]));
    for (const key of keys) {
      const refGrad = readNpy(`${DIR}grad.${key}.npy.gz`);
      const expected = fromTorchLayout(layout.get(key)!, refGrad.data as Float32Array);
      const ours = await values(grads[net.variables.get(key)!.name]!);
      expect(relError(ours, expected), key).toBeLessThanOrEqual(1e-4);
    }
    for (const t of [x, weights, value, ref, output!, ...Object.values(grads)]) t.dispose();
    net.dispose();
  });
});
