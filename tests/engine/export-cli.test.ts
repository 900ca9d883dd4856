/**
 * `sketchpose export`: from our weights directory and from an Omnipose .pth, the command writes an
 * ONNX file that onnxruntime-node loads with the declared input/outputs, `--verify` passes
 * (onnxruntime vs TensorFlow.js ≤ 1e-4), `--no-style` drops the style output, and a bad opset or a
 * missing option is a typed error (exit code 2 through `main`).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { saveModel } from '../../src/cli/model-files.ts';
import { initBackend } from '../../src/engine/backends/select.ts';
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
});
