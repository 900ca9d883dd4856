/**
 * PNG/TIFF → OME-Zarr conversion (`src/server/convert.ts`), read back by the engine's OME-Zarr
 * reader: level 0 equals the decoded image, every next level is the 2×2 mean of the one before,
 * channels are reduced as documented, and `convertImageFile` reuses an existing conversion.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, openOmeZarr, readImage, writeTiff } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import { convertImageFile, downsample2, imageToOmeZarr } from '../../src/server/convert.ts';

const REPO = join(import.meta.dirname, '..', '..');
const PNG = join(REPO, 'tests', 'fixtures', 'io', 'real', 'dsb2018_00071198d059ba7f.png');
const TIFF = join(REPO, 'tests', 'fixtures', 'io', 'real', 'stardist_tests_img2d.tif');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sketchpose-convert-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A seeded uint16 test pattern of odd size (so edge blocks of the pyramid are partial). */
function pattern16(rows: number, cols: number): Uint16Array {
  let s = 12345;
  return Uint16Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 16;
  });
}

describe('imageToOmeZarr', () => {
  for (const ngff of ['0.4', '0.5'] as const) {
    it(`NGFF ${ngff}: a real RGBA grey PNG becomes one channel; level 0 is the image, level 1 its 2×2 mean`, async () => {
      const decoded = await readImage(new Uint8Array(await readFile(PNG)), PNG);
      const store = new MemoryStore();
      const summary = await imageToOmeZarr(decoded, store, { ngff, chunk: 64, name: 'dsb' });
      expect(summary).toMatchObject({ ngff, axes: ['y', 'x'], dtype: 'uint8', channels: 1 });
      expect(summary.levels).toEqual([
        [256, 256],
        [128, 128],
        [64, 64],
      ]);
      const image = await openOmeZarr(store);
      expect(image.ngff).toBe(ngff);
      expect(image.zarrFormat).toBe(ngff === '0.4' ? 2 : 3);
      expect(image.name).toBe('dsb');
      expect(image.levels.map((l) => l.scale)).toEqual([
        [1, 1],
        [2, 2],
        [4, 4],
      ]);
      const grey = Uint8Array.from({ length: 256 * 256 }, (_, i) => decoded.data[i * 4]!);
      const level0 = await image.readLevel(0);
      expect(Array.from(level0.data)).toEqual(Array.from(grey));
      const level1 = await image.readLevel(1);
      expect(Array.from(level1.data)).toEqual(Array.from(downsample2(grey, 256, 256, true)));
      const keys = store.keys();
      expect(keys).toContain(ngff === '0.4' ? '/0/3/3' : '/0/c/3/3');
    });
  }

  it('a uint16 TIFF of odd size keeps its dtype; partial edge blocks average the pixels they have', async () => {
    const [rows, cols] = [37, 53];
    const data = pattern16(rows, cols);
    const decoded = await readImage(writeTiff({ data, shape: [rows, cols] }), 'pattern.tif');
    const store = new MemoryStore();
    const summary = await imageToOmeZarr(decoded, store, { chunk: 16 });
    expect(summary.dtype).toBe('uint16');
    expect(summary.levels).toEqual([
      [37, 53],
      [19, 27],
      [10, 14],
    ]);
    const image = await openOmeZarr(store);
    expect(Array.from((await image.readLevel(0)).data)).toEqual(Array.from(data));
    const level1 = (await image.readLevel(1)).data;
    // the bottom-right pixel of level 1 covers only level-0 pixel (36, 52)
    expect(level1[19 * 27 - 1]).toBe(data[rows * cols - 1]);
    // an interior pixel is the rounded mean of its 2×2 block
    const m = (data[2 * 53 + 4]! + data[2 * 53 + 5]! + data[3 * 53 + 4]! + data[3 * 53 + 5]!) / 4;
    expect(level1[1 * 27 + 2]).toBe(Math.round(m));
  });

  it('an RGB colour PNG becomes a c, y, x image with three channels and omero windows', async () => {
    const [rows, cols] = [20, 30];
    const rgb = Uint8Array.from({ length: rows * cols * 3 }, (_, i) => (i * 29) % 251);
    const png = encode({ width: cols, height: rows, data: rgb, channels: 3, depth: 8 });
    const store = new MemoryStore();
    const summary = await imageToOmeZarr(await readImage(png, 'rgb.png'), store, { chunk: 16 });
    expect(summary).toMatchObject({ axes: ['c', 'y', 'x'], channels: 3 });
    const image = await openOmeZarr(store);
    expect(image.levels[0]!.shape).toEqual([3, 20, 30]);
    expect(image.levels[0]!.chunks).toEqual([1, 16, 16]);
    for (const c of [0, 1, 2]) {
      const plane = await image.readLevel(0, { selection: { c } });
      expect(Array.from(plane.data)).toEqual(Array.from({ length: rows * cols }, (_, i) => rgb[i * 3 + c]));
    }
    const root = JSON.parse(new TextDecoder().decode(await store.get('/zarr.json')));
    expect(root.attributes.ome.omero.channels).toHaveLength(3);
  });
});

describe('convertImageFile', () => {
  it('converts a real TIFF once into the output folder and reuses it on the next run', async () => {
    const out = join(dir, 'cache');
    const first = await convertImageFile(TIFF, { outDir: out, ngff: '0.4' });
    expect(first.created).toBe(true);
    expect(first.path).toMatch(/stardist_tests_img2d-[0-9a-f]{12}-ngff0\.4\.ome\.zarr$/);
    const second = await convertImageFile(TIFF, { outDir: out, ngff: '0.4' });
    expect(second).toEqual({ path: first.path, created: false });
    const decoded = await readImage(new Uint8Array(await readFile(TIFF)), TIFF);
    const image = await openOmeZarr(new FileSystemStore(first.path));
    expect(image.levels[0]!.shape).toEqual(decoded.shape.slice(0, 2));
    expect(Array.from((await image.readLevel(0)).data)).toEqual(Array.from(decoded.data));
  });

  it('refuses a file that is neither PNG nor TIFF with a FormatError naming it, leaving nothing behind', async () => {
    const bad = join(dir, 'notes.png');
    await writeFile(bad, 'not an image');
    await expect(convertImageFile(bad, { outDir: join(dir, 'bad') })).rejects.toThrow(
      /notes\.png: not a PNG or TIFF/,
    );
    await expect(readdir(join(dir, 'bad'))).rejects.toThrow(/ENOENT/);
  });
});
