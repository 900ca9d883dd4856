/**
 * Sketchpose's weight format and the PyTorch layout conversions. Invariants: serialise → load
 * reproduces every tensor bit for bit (parameters, running statistics, counters); the manifest is
 * plain JSON; a mismatched manifest is refused with an error naming the key and both shapes and
 * leaves the network unchanged; conv/Linear transposes are inverse to each other and put PyTorch's
 * `w[o, i, y, x]` at `[y, x, i, o]`.
 */
import '@tensorflow/tfjs-backend-cpu';
import { randomNormal, setBackend, type Tensor, type Tensor4D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError } from '../../src/engine/errors.ts';
import {
  type CPnet,
  createCPnet,
  fromTorchLayout,
  loadWeights,
  serializeWeights,
  stateDictLayout,
  toTorchLayout,
  type WeightsManifest,
} from '../../src/engine/model/index.ts';

beforeAll(async () => {
  await setBackend('cpu');
});

const values = async (t: Tensor) => Array.from((await t.data()) as Float32Array);

async function snapshot(net: CPnet): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [k, v] of net.variables) out.set(k, await values(v));
  return out;
}

describe('own weight format', () => {
  it('round-trips every tensor exactly, including BatchNorm buffers', async () => {
    const a = createCPnet({ widths: 'small', seed: 1 });
    const x = randomNormal([2, 16, 16, 2], 0, 1, 'float32', 2) as Tensor4D;
    a.apply(x, { training: true }).dispose(); // non-trivial running stats and counters
    const { manifest, data } = await serializeWeights(a);
    const json = JSON.parse(JSON.stringify(manifest)) as WeightsManifest;
    expect(json.format).toBe('sketchpose-weights');
    expect(json.version).toBe(1);
    expect(json.config).toEqual({ nchan: 2, nout: 4, widths: [8, 16, 32, 64], seed: 1 });
    expect(json.tensors.map((t) => t.name)).toEqual([...a.variables.keys()]);
    expect(data.length).toBe(4 * [...a.variables.values()].reduce((n, v) => n + v.size, 0));

    const b = createCPnet({ widths: 'small', seed: 2 });
    loadWeights(b, json, data);
    expect(await snapshot(b)).toEqual(await snapshot(a));
    expect(await values(b.variables.get('output.0.num_batches_tracked')!)).toEqual([1]);
    const ya = a.apply(x);
    const yb = b.apply(x);
    expect(await values(yb)).toEqual(await values(ya));
    for (const t of [x, ya, yb]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('refuses mismatches with errors naming the key and both shapes; the network is unchanged', async () => {
    const net = createCPnet({ widths: 'small', seed: 1 });
    const { manifest, data } = await serializeWeights(net);
    const target = createCPnet({ widths: 'small', seed: 5 });
    const before = await snapshot(target);
    const key = 'upsample.up.res_up_0.conv.conv_1.full.weight';
    const bad = structuredClone(manifest);
    bad.tensors.find((t) => t.name === key)!.shape = [8, 64];
    expect(() => loadWeights(target, bad, data)).toThrow(ShapeError);
    expect(() => loadWeights(target, bad, data)).toThrow(
      `'${key}': weights have shape [8,64], the network [64,8]`,
    );

    const missing = structuredClone(manifest);
    missing.tensors = missing.tensors.filter((t) => t.name !== 'output.2.bias');
    expect(() => loadWeights(target, missing, data)).toThrow(/lack 'output\.2\.bias'/);
    expect(() => loadWeights(target, manifest, data.subarray(0, 1000))).toThrow(FormatError);
    expect(() => loadWeights(target, { ...manifest, version: 2 as 1 }, data)).toThrow(/version/);

    const oneChannel = createCPnet({ nchan: 1, widths: 'small' });
    expect(() => loadWeights(oneChannel, manifest, data)).toThrow(/nchan 2 .*nchan 1/);
    const full = createCPnet({ widths: 'full' });
    expect(() => loadWeights(full, manifest, data)).toThrow(/widths \[8,16,32,64\].*\[32,64,128,256\]/);
    expect(await snapshot(target)).toEqual(before);
    for (const n of [net, target, oneChannel, full]) n.dispose();
  });
});

describe('PyTorch layout conversions', () => {
  it('conv [out, in, kh, kw] ↔ [kh, kw, in, out] and Linear [out, in] ↔ [in, out]', () => {
    const layout = stateDictLayout({ nchan: 2, nout: 4, widths: [8, 16, 32, 64], seed: 0 });
    const conv = layout.find((s) => s.key === 'downsample.down.res_down_0.conv.conv_0.2.weight')!;
    expect(conv.torchShape).toEqual([8, 2, 3, 3]);
    const torch = Float32Array.from({ length: 8 * 2 * 9 }, (_, i) => i);
    const ours = fromTorchLayout(conv, torch);
    // torch w[o=5, i=1, y=2, x=0] sits at ours[y=2, x=0, i=1, o=5]
    expect(ours[((2 * 3 + 0) * 2 + 1) * 8 + 5]).toBe(((5 * 2 + 1) * 3 + 2) * 3 + 0);
    expect(toTorchLayout(conv, ours)).toEqual(torch);
    const linear = layout.find((s) => s.kind === 'linearWeight')!;
    expect(linear.torchShape).toEqual([8, 64]);
    const lt = Float32Array.from({ length: 8 * 64 }, (_, i) => i);
    const lo = fromTorchLayout(linear, lt);
    expect(lo[3 * 8 + 5]).toBe(5 * 64 + 3);
    expect(toTorchLayout(linear, lo)).toEqual(lt);
  });
});
