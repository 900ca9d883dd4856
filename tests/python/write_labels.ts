/**
 * Writes label images with our OME-Zarr label writer for tests/python/test_ome_zarr_readback.py:
 *
 *   npx tsx tests/python/write_labels.ts OUT_DIR
 *
 * creates OUT_DIR/v0.4.ome.zarr (NGFF 0.4, uint16, zlib) and OUT_DIR/v0.5.ome.zarr (NGFF 0.5,
 * uint32, gzip; plus an uncompressed uint8 `annotations` label image) on the filesystem store, and
 * prints a JSON summary (shape, chunks, chunk keys written) on stdout. The pixel values follow
 * `labelValue` below, which the Python test recomputes.
 */
import { join } from 'node:path';
import { createLabelImage, type LabelDtype, type NgffVersion } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';

const SHAPE: [number, number] = [50, 70];
const CHUNKS: [number, number] = [16, 16];

/** Whole chunks with (chunkRow + chunkCol) % 3 == 0 are empty; elsewhere 1..50. */
function labelValue(r: number, c: number): number {
  if ((Math.floor(r / CHUNKS[0]) + Math.floor(c / CHUNKS[1])) % 3 === 0) return 0;
  return ((r * 7 + c * 3) % 50) + 1;
}

const CTOR = { uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array } as const;

async function write(
  root: string,
  ngff: NgffVersion,
  name: string,
  dtype: LabelDtype,
  compression: 'none' | 'deflate',
) {
  const store = new FileSystemStore(root);
  const writer = await createLabelImage(store, {
    name,
    shape: SHAPE,
    chunks: CHUNKS,
    dtype,
    ngff,
    compression,
    colors: [
      { labelValue: 1, rgba: [255, 0, 0, 255] },
      { labelValue: 2, rgba: [0, 128, 255, 128] },
    ],
    properties: [
      { 'label-value': 1, class: 'cell' },
      { 'label-value': 2, class: 'boundary' },
    ],
  });
  const written: string[] = [];
  const [gr, gc] = writer.chunkGrid;
  for (let cr = 0; cr < gr; cr++) {
    for (let cc = 0; cc < gc; cc++) {
      const rows = Math.min(CHUNKS[0], SHAPE[0] - cr * CHUNKS[0]);
      const cols = Math.min(CHUNKS[1], SHAPE[1] - cc * CHUNKS[1]);
      const data = new CTOR[dtype](rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++)
          data[r * cols + c] = labelValue(cr * CHUNKS[0] + r, cc * CHUNKS[1] + c);
      }
      if ((await writer.writeChunk(cr, cc, data)) === 'written') written.push(`${cr}/${cc}`);
    }
  }
  await writer.finish();
  return { ngff, name, dtype, compression, shape: SHAPE, chunks: CHUNKS, written };
}

const out = process.argv[2];
if (!out) throw new Error('usage: write_labels.ts OUT_DIR');
const summary = [
  await write(join(out, 'v0.4.ome.zarr'), '0.4', 'masks', 'uint16', 'deflate'),
  await write(join(out, 'v0.5.ome.zarr'), '0.5', 'masks', 'uint32', 'deflate'),
  await write(join(out, 'v0.5.ome.zarr'), '0.5', 'annotations', 'uint8', 'none'),
];
process.stdout.write(`${JSON.stringify(summary)}\n`);
