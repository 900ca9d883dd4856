/**
 * `sketchpose export`: from our weights directory and from an Omnipose .pth, the command writes an
 * ONNX file that onnxruntime-node loads with the declared input/outputs, `--verify` passes
 * (onnxruntime vs TensorFlow.js ≤ 1e-4), `--no-style` drops the style output, and a bad opset or a
 * missing option is a typed error (exit code 2 through `main`). `sketchpose predict --runtime onnx`
 * (onnxruntime-node on the in-memory export) writes the same four planes as `--runtime tfjs` to
 * relative error ≤ 1e-4, and an unknown runtime is refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { saveModel } from '../../src/cli/model-files.ts';
import { initBackend } from '../../src/engine/backends/select.ts';
import { readImage, writePng } from '../../src/engine/io/index.ts';
import { Random } from '../../src/engine/random.ts';
import { seededNet } from '../fixtures/onnx/seeded-net.ts';

const PTH = new URL('../fixtures/cpnet/small.pth', import.meta.url).pathname;

async function ioNames(path: string): Promise<[readonly string[], readonly string[]]> {
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
  const names: [readonly string[], readonly string[]] = [session.inputNames, session.outputNames];
  await session.release();
  return names;
}

describe('sketchpose export', () => {
  it('exports our weights directory and a .pth, verified against TensorFlow.js', async () => {
    await initBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-export-'));
    const net = seededNet('small', 2);
    await saveModel(net, join(dir, 'model'));
    net.dispose();
    const quiet = ['--quiet', '--backend', 'cpu', '--verify'];
    const fromDir = join(dir, 'out', 'dir.onnx');
    expect(await main(['export', '--model', join(dir, 'model'), '--out', fromDir, ...quiet])).toBe(0);
    expect(await ioNames(fromDir)).toEqual([['image'], ['output', 'style']]);
    const fromPth = join(dir, 'pth.onnx');
    const args = ['export', '--model', PTH, '--out', fromPth, '--opset', '18', '--no-style', ...quiet];
    expect(await main(args)).toBe(0);
    expect(await ioNames(fromPth)).toEqual([['image'], ['output']]);
    expect(await main(['export', '--model', PTH, '--out', fromPth, '--opset', '9', '--quiet'])).toBe(2);
    expect(await main(['export', '--model', PTH, '--quiet'])).toBe(2);
  });

  it('predict --runtime onnx writes the planes of --runtime tfjs (relative error ≤ 1e-4)', async () => {
    await initBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-predict-onnx-'));
    const net = seededNet('small', 4);
    await saveModel(net, join(dir, 'model'));
    net.dispose();
    const [rows, cols] = [72, 90];
    const rng = new Random(6);
    const pixels = Uint8Array.from({ length: rows * cols }, (_, i) =>
      Math.round(120 + 80 * Math.sin(i / 7) * Math.cos(i / 190) + 30 * rng.uniform(-1, 1)),
    );
    writeFileSync(join(dir, 'image.png'), writePng({ data: pixels, shape: [rows, cols] }));
    const common = ['--image', join(dir, 'image.png'), '--model', join(dir, 'model'), '--tile', '32'];
    const common2 = [...common, '--batch', '3', '--backend', 'cpu'];
    for (const runtime of ['onnx', 'tfjs'])
      expect(
        await main(['predict', ...common2, '--runtime', runtime, '--out', join(dir, `${runtime}.tif`)]),
      ).toBe(0);
    for (const plane of ['flow_y', 'flow_x', 'distance', 'boundary']) {
      const read = async (r: string) =>
        (await readImage(new Uint8Array(readFileSync(join(dir, `${r}_${plane}.tif`))))).data as Float32Array;
      const [a, b] = [await read('onnx'), await read('tfjs')];
      expect(a.length).toBe(rows * cols);
      let [diff, scale] = [0, 0];
      for (let i = 0; i < b.length; i++) {
        diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
        scale = Math.max(scale, Math.abs(b[i]!));
      }
      expect(diff / scale, plane).toBeLessThanOrEqual(1e-4);
    }
    expect(await main(['predict', ...common2, '--runtime', 'gpu', '--out', join(dir, 'x.tif')])).toBe(2);
  });
});
