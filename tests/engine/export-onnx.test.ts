/**
 * ONNX export of CPnet (src/engine/export/onnx.ts) run in onnxruntime-node. Invariants: for the
 * small and full presets with random BatchNorm statistics (negative scales included), the exported
 * graph's `output` and `style` equal `net.forward(x, { training: false })` to relative error
 * ≤ 1e-4 (max |a − b| / max |b|) for a batch of 2 non-square images, and N, H, W are dynamic; a
 * PyTorch-made Omnipose CPnet imported from .pth and exported gives PyTorch's own eval output; no
 * BatchNormalization op is left and the fold report accounts for all 41 BNs; the predictor
 * (onnx-runtime.ts) is a valid `PredictFn` for tiledPredict; bad options throw. Python's
 * onnxruntime ran the same export (tests/fixtures/onnx/check_onnx.py --save-fixture): its committed
 * outputs equal tfjs eval mode to ≤ 1e-4.
 */
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { setBackend, type Tensor4D, tensor4d } from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { ValueError } from '../../src/engine/errors.ts';
import { buildCPnetOnnx, exportCPnetOnnx } from '../../src/engine/export/onnx.ts';
import { createOnnxPredictor } from '../../src/engine/infer/onnx-runtime.ts';
import { tiledPredict } from '../../src/engine/infer/tiled-predict.ts';
import { createCPnet, importStateDict, readPth } from '../../src/engine/model/index.ts';
import { nhwcToNchw, randomInput, seededNet } from '../fixtures/onnx/seeded-net.ts';

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

async function runOrt(bytes: Uint8Array, image: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ image: new ort.Tensor('float32', image, dims) });
  await session.release();
  return result;
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('CPnet → ONNX in onnxruntime-node equals tfjs eval mode', () => {
  for (const widths of ['small', 'full'] as const) {
    it(`${widths}: output and style, batch 2 of 32×48, relative error ≤ 1e-4`, async () => {
      const net = seededNet(widths, 11);
      const [n, h, w] = [2, 32, 48];
      const x = randomInput(n * h * w * 2, 5);
      const { output, style } = net.forward(tensor4d(x, [n, h, w, 2]), { training: false });
      const ref = nhwcToNchw((await output.data()) as Float32Array, n, h, w, 4);
      const refStyle = (await style.data()) as Float32Array;
      const exported = await exportCPnetOnnx(net);
      expect(exported.folds).toEqual({
        intoPrecedingConv: 8,
        intoFollowingConv: 8,
        intoStyleLinear: 12,
        styleLinearWithMul: 8,
        asMulAdd: 13,
      });
      const result = await runOrt(exported.bytes, nhwcToNchw(x, n, h, w, 2), [n, 2, h, w]);
      expect(result.output!.dims).toEqual([n, 4, h, w]);
      expect(result.style!.dims).toEqual([n, net.config.widths[3]]);
      const err = relError(result.output!.data as Float32Array, ref);
      expect(err).toBeLessThanOrEqual(1e-4);
      expect(relError(result.style!.data as Float32Array, refStyle)).toBeLessThanOrEqual(1e-4);
      output.dispose();
      style.dispose();
      net.dispose();
    });
  }

  it('PyTorch (Omnipose) weights imported from .pth: the export gives PyTorch eval output', async () => {
    const dir = new URL('../fixtures/cpnet/', import.meta.url).pathname;
    const net = createCPnet({ widths: 'small' });
    importStateDict(net, readPth(new Uint8Array(readFileSync(`${dir}small.pth`))));
    const input = readNpy(`${dir}eval_input.npy.gz`);
    const result = await runOrt((await exportCPnetOnnx(net)).bytes, Float32Array.from(input.data), [
      ...input.shape,
    ]);
    const ref = readNpy(`${dir}eval_output.npy.gz`);
    expect(relError(result.output!.data as Float32Array, ref.data)).toBeLessThanOrEqual(1e-4);
    expect(
      relError(result.style!.data as Float32Array, readNpy(`${dir}eval_style.npy.gz`).data),
    ).toBeLessThanOrEqual(1e-4);
    net.dispose();
  });
});

describe('Python onnxruntime (committed fixture) equals tfjs eval mode', () => {
  it("seededNet('small', 11), batch 2 of 32×48: output and style relative error ≤ 1e-4", async () => {
    const dir = new URL('../fixtures/onnx/', import.meta.url).pathname;
    const fixture = (name: string) => readNpy(`${dir}python_ort_${name}.npy.gz`);
    const [n, h, w] = [2, 32, 48];
    const x = randomInput(n * h * w * 2, 5);
    // the fixture's input is this seeded input, so the comparison is on the same image
    const input = fixture('input');
    expect(input.shape).toEqual([n, 2, h, w]);
    expect(Array.from(input.data)).toEqual(Array.from(nhwcToNchw(x, n, h, w, 2)));
    const net = seededNet('small', 11);
    const { output, style } = net.forward(tensor4d(x, [n, h, w, 2]), { training: false });
    const ours = nhwcToNchw((await output.data()) as Float32Array, n, h, w, 4);
    expect(relError(ours, fixture('output').data)).toBeLessThanOrEqual(1e-4);
    expect(relError((await style.data()) as Float32Array, fixture('style').data)).toBeLessThanOrEqual(1e-4);
    output.dispose();
    style.dispose();
    net.dispose();
  });
});

describe('ONNX graph and options', () => {
  it('has no BatchNormalization, dynamic N/H/W, optional style, opsets 13 and 21 load', async () => {
    const net = seededNet('small', 3);
    const values = new Map([...net.variables].map(([k, v]) => [k, v.dataSync() as Float32Array]));
    const text = new TextDecoder('latin1');
    for (const opset of [13, 17, 21]) {
      const { bytes } = buildCPnetOnnx(net.config, values, { opset, style: opset !== 21 });
      expect(text.decode(bytes)).not.toContain('BatchNormalization');
      const session = await ort.InferenceSession.create(bytes);
      expect(session.inputNames).toEqual(['image']);
      expect(session.outputNames).toEqual(opset === 21 ? ['output'] : ['output', 'style']);
      const result = await session.run({
        image: new ort.Tensor('float32', new Float32Array(8 * 16 * 2), [1, 2, 8, 16]),
      });
      expect(result.output!.dims).toEqual([1, 4, 8, 16]);
      await session.release();
    }
    expect(() => buildCPnetOnnx(net.config, values, { opset: 12 })).toThrow(ValueError);
    values.delete('output.2.bias');
    expect(() => buildCPnetOnnx(net.config, values)).toThrow(/output\.2\.bias/);
    net.dispose();
  });

  it('createOnnxPredictor drives tiledPredict like net.apply, NHWC in and out', async () => {
    const net = seededNet('small', 21);
    const onnx = await createOnnxPredictor((await exportCPnetOnnx(net)).bytes, { threads: 1 });
    expect([onnx.inputChannels, onnx.outputChannels]).toEqual([2, 4]);
    const [n, h, w] = [3, 16, 24];
    const batch = randomInput(n * h * w * 2, 8);
    const ours = await onnx.predict(batch, n, h, w);
    const ref = net.apply(tensor4d(batch, [n, h, w, 2]) as Tensor4D);
    expect(relError(ours, (await ref.data()) as Float32Array)).toBeLessThanOrEqual(1e-4);
    const image = { data: randomInput(40 * 56 * 2, 9), shape: [40, 56, 2] as [number, number, number] };
    const tiled = await tiledPredict(image, onnx.predict, { tile: 32, batchSize: 4 });
    expect(tiled.shape).toEqual([40, 56, 4]);
    expect(tiled.data.every(Number.isFinite)).toBe(true);
    const aborted = AbortSignal.abort();
    await expect(onnx.predict(batch, n, h, w, aborted)).rejects.toThrow();
    await expect(onnx.predict(batch, n, h, w + 8)).rejects.toThrow(/values for/);
    await onnx.release();
    ref.dispose();
    net.dispose();
  });
});
