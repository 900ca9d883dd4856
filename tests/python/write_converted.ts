/**
 * Converts images with `sketchpose serve`'s converter for tests/python/test_server_convert_readback.py:
 *
 *   npx tsx tests/python/write_converted.ts OUT_DIR
 *
 * writes OUT_DIR/dsb-v0.4.ome.zarr and dsb-v0.5.ome.zarr (the DSB2018 fixture PNG, one channel,
 * chunks 64²), OUT_DIR/rgb-v0.5.ome.zarr (a seeded 3-channel uint8 image, 45 × 70, chunks 32²) and
 * the level-0 pixels as raw files (`dsb.u8`, `rgb.u8`, channel-planar), and prints a JSON summary.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { readImage } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import { imageToOmeZarr } from '../../src/server/convert.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: write_converted.ts OUT_DIR');
const root = join(import.meta.dirname, '..', '..');
const png = readFileSync(join(root, 'tests', 'fixtures', 'io', 'real', 'dsb2018_00071198d059ba7f.png'));
const dsb = await readImage(new Uint8Array(png), 'dsb2018');
const summary: Record<string, unknown>[] = [];
for (const ngff of ['0.4', '0.5'] as const) {
  const s = await imageToOmeZarr(dsb, new FileSystemStore(join(out, `dsb-v${ngff}.ome.zarr`)), {
    ngff,
    chunk: 64,
    name: 'dsb',
  });
  summary.push({ store: `dsb-v${ngff}.ome.zarr`, raw: 'dsb.u8', ...s });
}
const [rows, cols, channels] = dsb.shape;
writeFileSync(
  join(out, 'dsb.u8'),
  Uint8Array.from({ length: rows * cols }, (_, i) => dsb.data[i * channels]!),
);

const [h, w] = [45, 70];
let seed = 7;
const rgb = Uint8Array.from({ length: h * w * 3 }, () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 24;
});
const rgbImage = await readImage(encode({ width: w, height: h, data: rgb, channels: 3, depth: 8 }), 'rgb');
const s = await imageToOmeZarr(rgbImage, new FileSystemStore(join(out, 'rgb-v0.5.ome.zarr')), {
  ngff: '0.5',
  chunk: 32,
  name: 'rgb',
});
summary.push({ store: 'rgb-v0.5.ome.zarr', raw: 'rgb.u8', ...s });
writeFileSync(
  join(out, 'rgb.u8'),
  Uint8Array.from({ length: h * w * 3 }, (_, i) => rgb[(i % (h * w)) * 3 + Math.floor(i / (h * w))]!),
);
console.log(JSON.stringify(summary));
