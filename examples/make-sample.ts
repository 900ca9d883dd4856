/**
 * Makes examples/dsb2018-0402a81e75262469.ome.zarr, the sample `npm start` serves, from the
 * DSB2018 image in ../shared/data (CC0; see examples/README.md) with the server's own converter:
 *
 *   npx tsx examples/make-sample.ts [path/to/0402a81e75262469.png]
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSystemStore } from '../src/engine/io/node.ts';
import { readImage } from '../src/engine/io/read-image.ts';
import { imageToOmeZarr } from '../src/server/convert.ts';

const here = dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ?? join(here, '..', '..', 'shared', 'data', 'dsb2018', 'images', '0402a81e75262469.png');
const out = join(here, 'dsb2018-0402a81e75262469.ome.zarr');
const bytes = await readFile(input);
const image = await readImage(new Uint8Array(bytes), input);
await rm(out, { recursive: true, force: true });
const summary = await imageToOmeZarr(image, new FileSystemStore(out), {
  ngff: '0.5',
  chunk: 128,
  name: 'dsb2018-0402a81e75262469',
});
console.log(`${out}: ${JSON.stringify(summary)}`);
