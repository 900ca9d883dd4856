/**
 * `sketchpose segment`. Invariants:
 * - with a saved (tiny, untrained) model it writes a label image of the input's shape, as a TIFF
 *   and as an OME-Zarr label image, both readable back; labels are 0 and 1..count;
 * - the network planes reach the reconstruction in the right order (flowY, flowX, distance,
 *   boundary): planes built from the ground-truth targets of a real label image come back as
 *   masks matching the labels, reconstructed in one pass or in stitched tiles alike;
 * - a bad `--out` is a typed error (exit code 2) raised before the network runs;
 * - `sketchpose evaluate --taus 0.5:0.95:0.05 --crop-border 0.1 --json` reports AP, precision,
 *   recall, F1, PQ per τ, mean Dice and AJI for the written masks.
 */
import '@tensorflow/tfjs-backend-cpu'; // the model is built here before any command picks a backend
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { readLabelImage } from '../../src/cli/label-files.ts';
import { main } from '../../src/cli/main.ts';
import { saveModel } from '../../src/cli/model-files.ts';
import { fieldsFromPrediction, masksFromFields, maskTarget, writeMasks } from '../../src/cli/segment.ts';
import { computeMasks } from '../../src/engine/masks/index.ts';
import { matching } from '../../src/engine/metrics/index.ts';
import { createCPnet } from '../../src/engine/model/index.ts';
import type { Raster } from '../../src/engine/types.ts';
import { groundTruthFields } from '../fixtures/masks/ground-truth-fields.ts';

const REAL = new URL('../fixtures/io/real/', import.meta.url).pathname;
const MASKS = new URL('../fixtures/masks/labels/', import.meta.url).pathname;

function ap50(truth: Raster, pred: Raster): number {
  const s = matching(truth as Raster<Int32Array>, pred as Raster<Int32Array>, { thresh: 0.5 });
  return (Array.isArray(s) ? s[0]! : s).accuracy;
}

function same(a: ArrayLike<number> & ArrayBufferView, b: ArrayLike<number> & ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Labels are exactly 0 and 1..count, each used. */
function sequential(data: ArrayLike<number>): number {
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data[i]! > 0) seen.add(data[i]!);
  const count = seen.size;
  for (let k = 1; k <= count; k++) expect(seen.has(k)).toBe(true);
  return count;
}

describe('sketchpose segment', () => {
  it('writes a readable label image of the input shape (TIFF, and OME-Zarr in stitched tiles)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-segment-'));
    const net = createCPnet({ widths: 'small', seed: 1 });
    await saveModel(net, join(dir, 'model'));
    net.dispose();
    const image = `${REAL}dsb2018_00071198d059ba7f.png`;
    const common = ['--image', image, '--model', join(dir, 'model'), '--tile', '64', '--runtime', 'tfjs'];
    expect(await main(['segment', ...common, '--out', join(dir, 'out', 'masks.tif')])).toBe(0);
    const tif = await readLabelImage(join(dir, 'out', 'masks.tif'));
    expect(tif.shape).toEqual([256, 256]);
    expect(tif.data).toBeInstanceOf(Uint16Array);
    const count = sequential(tif.data);
    // the same prediction reconstructed in 128² tiles (overlap 32) into an OME-Zarr label image
    const zarr = join(dir, 'masks.ome.zarr');
    const tiled = ['--out', zarr, '--mask-tile', '128', '--mask-overlap', '32'];
    expect(await main(['segment', ...common, ...tiled])).toBe(0);
    const z = await readLabelImage(`${zarr}#labels/masks`);
    expect(z.shape).toEqual([256, 256]);
    const zcount = sequential(z.data);
    console.log(`untrained small CPnet: ${count} masks in one pass, ${zcount} in 128² tiles`);
  }, 120_000);

  it('reconstructs prediction planes (flowY, flowX, distance, boundary) into the true masks, tiled or not', async () => {
    const a = readNpy(`${MASKS}dsb2018_0402a81e.npy.gz`);
    const labels = { data: Int32Array.from(a.data), shape: [a.shape[0]!, a.shape[1]!] as [number, number] };
    const truth = groundTruthFields(labels, 'targets');
    const [rows, cols] = labels.shape;
    const n = rows * cols;
    // interleave as the network's [rows, cols, 4] output
    const out = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      out[4 * i] = truth.flow[i]!;
      out[4 * i + 1] = truth.flow[n + i]!;
      out[4 * i + 2] = truth.distance[i]!;
      out[4 * i + 3] = truth.boundary![i]!;
    }
    const fields = fieldsFromPrediction({ data: out, shape: [rows, cols, 4] });
    expect(same(fields.flow, truth.flow)).toBe(true);
    expect(same(fields.distance, truth.distance)).toBe(true);
    expect(same(fields.boundary!, truth.boundary!)).toBe(true);
    const single = await masksFromFields(fields);
    expect(single.tiles).toBe(1);
    expect(same(single.labels, computeMasks(truth).labels)).toBe(true);
    const tiled = await masksFromFields(fields, { maskTile: 160 });
    expect(tiled.tiles).toBe(9); // 260 × 347 in 160² tiles, overlap ≥ 64: 3 × 3
    expect(tiled.overlap).toBeGreaterThanOrEqual(64);
    const shape = single.shape;
    const vsSingle = ap50({ data: single.labels, shape }, { data: tiled.labels, shape });
    const vsTruth = ap50(labels, { data: tiled.labels, shape });
    console.log(
      `dsb2018_0402a81e in 160² tiles: AP@0.5 vs single pass ${vsSingle}, vs ground truth ${vsTruth}`,
    );
    expect(vsSingle).toBeGreaterThanOrEqual(0.99);
    expect(vsTruth).toBeGreaterThanOrEqual(0.95);

    // written masks evaluate against the ground truth with every requested statistic
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-segment-eval-'));
    await writeMasks(maskTarget(join(dir, 'pred.tif')), tiled.labels, shape, tiled.count);
    await writeMasks(maskTarget(join(dir, 'gt.tif')), labels.data, shape, 125);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const args = ['--pred', join(dir, 'pred.tif'), '--gt', join(dir, 'gt.tif')];
    const code = await main([
      'evaluate',
      ...args,
      '--taus',
      '0.5:0.95:0.05',
      '--crop-border',
      '0.1',
      '--json',
    ]);
    const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
    log.mockRestore();
    expect(code).toBe(0);
    const report = JSON.parse(printed);
    expect(report.perTau.map((r: { tau: number }) => r.tau)).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95,
    ]);
    for (const r of report.perTau) {
      for (const k of ['ap', 'precision', 'recall', 'f1', 'pq']) expect(r[k]).toBeGreaterThanOrEqual(0);
    }
    expect(report.perTau[0].ap).toBeGreaterThanOrEqual(0.95);
    expect(report.meanDice).toBeGreaterThan(0.8);
    expect(report.aji).toBeGreaterThan(0.7);
    expect(report.cropBorder).toBe(0.1);
  }, 120_000);

  it('refuses an --out that is neither a TIFF nor an OME-Zarr, before running the network', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main([
      'segment',
      '--image',
      'missing.png',
      '--model',
      'missing',
      '--out',
      'masks.png',
    ]);
    const printed = err.mock.calls.map((c) => c.join(' ')).join('\n');
    err.mockRestore();
    expect(code).toBe(2);
    expect(printed).toMatch(/ValueError.*--out/);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['segment', '--help'])).toBe(0);
    expect(log.mock.calls.join('\n')).toMatch(/--mask-tile/);
    log.mockRestore();
    expect(maskTarget('a/b.ome.zarr')).toEqual({ kind: 'zarr', store: 'a/b.ome.zarr', name: 'masks' });
    expect(maskTarget('img.zarr#labels/cells')).toEqual({ kind: 'zarr', store: 'img.zarr', name: 'cells' });
    expect(maskTarget('m.TIFF')).toEqual({ kind: 'tiff', path: 'm.TIFF' });
  });
});

it('a label TIFF with more than 65,535 masks is written as uint32', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sketchpose-segment-u32-'));
  const labels = new Int32Array(300 * 300);
  for (let i = 0; i < labels.length; i++) labels[i] = i % 70_000 === 0 ? 0 : (i % 70_000) + 1;
  await writeMasks(maskTarget(join(dir, 'big.tif')), labels, [300, 300], 70_000);
  const back = await readLabelImage(join(dir, 'big.tif'));
  expect(back.data).toBeInstanceOf(Uint32Array);
  expect(Array.from(back.data.subarray(0, 5))).toEqual([0, 2, 3, 4, 5]);
  expect(readFileSync(join(dir, 'big.tif')).length).toBeGreaterThan(4 * 300 * 300);
});
