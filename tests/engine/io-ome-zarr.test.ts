/**
 * OME-Zarr reading (NGFF 0.4 / Zarr v2 and 0.5 / Zarr v3). Invariants: both versions of the same
 * image list the same levels and read the same pixels, equal to what zarr-python reads
 * (expected.json) and to the DSB2018 label TIFF; windows equal the matching slice of the full
 * level; invalid metadata is a MetadataError naming the key and node; a corrupted chunk is a
 * FormatError naming the chunk key; an aborted signal stops the read.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SketchposeError } from '../../src/engine/errors.ts';
import { listLabels, MemoryStore, openOmeZarr, readTiff } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import type { TypedArray } from '../../src/engine/types.ts';

const FIXTURES = new URL('../fixtures/io/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8'));
const fixtureStore = (rel: string) => new FileSystemStore(new URL(`ome-zarr/${rel}`, FIXTURES).pathname);

function md5f64(data: TypedArray): string {
  return createHash('md5')
    .update(new Uint8Array(Float64Array.from(data as ArrayLike<number>).buffer))
    .digest('hex');
}

async function rejectsWith(
  promise: Promise<unknown>,
  tag: string,
  pattern: RegExp,
): Promise<SketchposeError> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as SketchposeError | undefined;
  expect(err, `expected a ${tag}`).toBeDefined();
  expect(err!.tag).toBe(tag);
  expect(err!.message).toMatch(pattern);
  return err!;
}

/** Copy a fixture store into memory so a test may damage it. */
async function memoryCopy(rel: string, keys: string[]): Promise<MemoryStore> {
  const src = fixtureStore(rel);
  const mem = new MemoryStore();
  for (const key of keys) {
    const bytes = await src.get(key);
    if (bytes) await mem.set(key, bytes.slice());
  }
  return mem;
}

describe.each(['0.4', '0.5'] as const)('DSB2018 OME-Zarr, NGFF %s', (version) => {
  const name = `dsb2018_07fb37aa_v${version}.ome.zarr`;
  const want = expected[`ome-zarr/${name}`];

  it('lists the levels with shape, chunks, dtype, axes and scale', async () => {
    const image = await openOmeZarr(fixtureStore(name));
    expect(image.ngff).toBe(version);
    expect(image.zarrFormat).toBe(version === '0.4' ? 2 : 3);
    expect(image.name).toBe('image');
    expect(image.axes.map((a) => [a.name, a.type, a.unit])).toEqual([
      ['y', 'space', 'micrometer'],
      ['x', 'space', 'micrometer'],
    ]);
    expect(image.levels.map((l) => l.shape)).toEqual(want.levels);
    expect(image.levels.map((l) => [l.path, l.dtype, l.chunks, l.scale])).toEqual([
      ['0', 'uint8', [256, 256], [1, 1]],
      ['1', 'uint8', [256, 256], [2, 2]],
      ['2', 'uint8', [256, 256], [4, 4]],
    ]);
    expect(await listLabels(fixtureStore(name))).toEqual(['nuclei']);
  });

  it('reads level 2 as zarr-python does, and windows equal slices of it', async () => {
    const image = await openOmeZarr(fixtureStore(name));
    const full = await image.readLevel(2);
    expect(full.shape).toEqual([130, 174]);
    expect(full.data).toBeInstanceOf(Uint8Array);
    expect(md5f64(full.data)).toBe(want.image_level2.md5f64);
    const win = await image.readLevel(2, { rows: [17, 60], cols: [101, 174] });
    expect(win.shape).toEqual([43, 73]);
    for (let r = 0; r < 43; r++) {
      for (let c = 0; c < 73; c++) expect(win.data[r * 73 + c]).toBe(full.data[(r + 17) * 174 + c + 101]);
    }
  });

  it('reads the label image, equal to the DSB2018 label TIFF', async () => {
    const labels = await openOmeZarr(fixtureStore(name), { path: 'labels/nuclei' });
    expect(labels.imageLabel?.sourceImage).toBe('../../');
    const full = await labels.readLevel(0);
    expect(full.data).toBeInstanceOf(Uint16Array);
    expect(md5f64(full.data)).toBe(want.labels_level0.md5f64);
    const tiff = await readTiff(
      new Uint8Array(readFileSync(new URL('real/dsb2018_07fb37aafa662660_labels.tif', FIXTURES))),
    );
    expect(Array.from(full.data)).toEqual(Array.from(tiff.data));
    // a window across four chunks (rows 250-262, cols 300-309; chunk edges at 256)
    const win = await labels.readLevel(0, { rows: [250, 262], cols: [300, 309] });
    expect(Array.from(win.data)).toEqual(want.labels_level0_window);
  });

  it('refuses windows and levels outside the image, naming the shape', async () => {
    const image = await openOmeZarr(fixtureStore(name));
    await rejectsWith(image.readLevel(3), 'ValueError', /level 3 does not exist.*0\.\.2/);
    await rejectsWith(image.readLevel(2, { rows: [0, 131] }), 'ValueError', /rows \[0, 131\).*\[130, 174\]/);
    await rejectsWith(image.readLevel(2, { selection: { c: 0 } }), 'ValueError', /selection axis 'c'/);
  });

  it('names the chunk key of a corrupted chunk', async () => {
    const chunkKey = version === '0.4' ? '/2/0/0' : '/2/c/0/0';
    const meta = version === '0.4' ? ['/.zgroup', '/.zattrs', '/2/.zarray'] : ['/zarr.json', '/2/zarr.json'];
    const levelMeta = version === '0.4' ? ['/0/.zarray', '/1/.zarray'] : ['/0/zarr.json', '/1/zarr.json'];
    const store = await memoryCopy(name, [...meta, ...levelMeta, chunkKey]);
    const bytes = (await store.get(chunkKey))!;
    bytes.fill(0x5a, 2, 200);
    const image = await openOmeZarr(store);
    await rejectsWith(
      image.readLevel(2),
      'FormatError',
      new RegExp(`chunk ${chunkKey} could not be decoded`),
    );
  });

  it('passes an aborted signal through to the store', async () => {
    const image = await openOmeZarr(fixtureStore(name));
    const controller = new AbortController();
    controller.abort();
    await expect(image.readLevel(2, { signal: controller.signal })).rejects.toThrow(/abort/i);
    await expect(openOmeZarr(fixtureStore(name), { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('a sharded NGFF 0.5 image (c, y, x; zstd inner chunks), written by zarr-python', () => {
  const store = () => new FileSystemStore(new URL('synthetic/sharded_v0.5.ome.zarr', FIXTURES).pathname);
  const want = expected['synthetic/sharded_v0.5.ome.zarr'];

  it('reads each channel and a window across shards, on a store without getRange', async () => {
    const image = await openOmeZarr(store());
    expect(image.levels[0]).toMatchObject({
      shape: [2, 40, 50],
      chunks: [1, 8, 8],
      dtype: 'uint16',
      scale: [1, 0.5, 0.5],
    });
    for (const c of [0, 1]) {
      const plane = await image.readLevel(0, { selection: { c } });
      expect(md5f64(plane.data)).toBe(want[`c${c}`].md5f64);
    }
    const win = await image.readLevel(0, { selection: { c: 1 }, rows: [5, 12], cols: [38, 50] });
    expect(Array.from(win.data)).toEqual(want.c1_window);
  });

  it('uses the getRange of the store when it has one', async () => {
    const fs = store();
    const ranges: string[] = [];
    const ranged = {
      get: (key: string) => fs.get(key),
      async getRange(key: string, range: { offset: number; length: number } | { suffixLength: number }) {
        ranges.push(key);
        const bytes = await fs.get(key);
        if (!bytes) return undefined;
        return 'suffixLength' in range
          ? bytes.subarray(bytes.length - range.suffixLength)
          : bytes.subarray(range.offset, range.offset + range.length);
      },
    };
    const plane = await (await openOmeZarr(ranged)).readLevel(0, { selection: { c: 0 } });
    expect(md5f64(plane.data)).toBe(want.c0.md5f64);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((k) => k.startsWith('/0/c/0/'))).toBe(true);
  });
});

describe('NGFF validator examples and broken metadata', () => {
  const examples = 'validator-examples';
  it('invalid/image-01: no multiscales', async () => {
    await rejectsWith(
      openOmeZarr(fixtureStore(`${examples}/invalid/image-01.zarr`)),
      'MetadataError',
      /^missing 'multiscales' in \.zattrs of \/$/,
    );
  });
  it('invalid/image-02: empty multiscales', async () => {
    await rejectsWith(
      openOmeZarr(fixtureStore(`${examples}/invalid/image-02.zarr`)),
      'MetadataError',
      /'multiscales' in \.zattrs of \/ is empty/,
    );
  });
  it('invalid/image-03: a dataset path without an array', async () => {
    await rejectsWith(
      openOmeZarr(fixtureStore(`${examples}/invalid/image-03.zarr`)),
      'MetadataError',
      /'multiscales\[0\]\.datasets\[0\]\.path' = '0' in \.zattrs of \/ names no array/,
    );
  });
  it('invalid/image-04: a level with fewer dimensions than axes', async () => {
    await rejectsWith(
      openOmeZarr(fixtureStore(`${examples}/invalid/image-04.zarr`)),
      'MetadataError',
      /array \/1 has 2 dimensions \(shape \[32, 32\]\) but 'multiscales\[0\]\.axes' .* has 3 \(\[z, y, x\]\)/,
    );
  });
  it('warning/image-01 and valid/image-04 open; a z plane reads as fill value', async () => {
    const warn = await openOmeZarr(fixtureStore(`${examples}/warning/image-01.zarr`));
    expect(warn.levels.map((l) => l.dtype)).toEqual(['int64', 'float64']);
    const int64 = await warn.readLevel(0, { rows: [0, 2], cols: [0, 2] });
    expect(int64.data).toBeInstanceOf(Float64Array);
    const valid = await openOmeZarr(fixtureStore(`${examples}/valid/image-04.zarr`));
    expect(valid.axes.map((a) => a.name)).toEqual(['z', 'y', 'x']);
    await rejectsWith(valid.readLevel(0), 'ValueError', /axis 'z' has size 2: pass selection\.z/);
    const plane = await valid.readLevel(1, { selection: { z: 1 }, rows: [0, 4], cols: [0, 4] });
    expect(Array.from(plane.data)).toEqual(new Array(16).fill(0));
    expect(await listLabels(fixtureStore(`${examples}/valid/image-04.zarr`))).toEqual([]);
  });

  it('names the key for malformed JSON, bad axes, wrong versions and 0.5 without ome', async () => {
    const enc = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));
    const store = new MemoryStore();
    await store.set('/a/.zgroup', enc({ zarr_format: 2 }));
    await store.set('/a/.zattrs', new TextEncoder().encode('{"multiscales": ['));
    await rejectsWith(
      openOmeZarr(store, { path: 'a' }),
      'MetadataError',
      /\/a\/\.zattrs is not a JSON object/,
    );
    const ms = (axes: unknown, version = '0.4') => ({
      multiscales: [
        {
          version,
          axes,
          datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1] }] }],
        },
      ],
    });
    await store.set('/a/.zattrs', enc(ms([{ name: 'y' }, { name: 'q' }])));
    await rejectsWith(
      openOmeZarr(store, { path: 'a' }),
      'MetadataError',
      /must include 'y' and 'x', got \[y, q\]/,
    );
    await store.set('/a/.zattrs', enc(ms([{ name: 'y' }, { name: 'x' }], '0.3')));
    await rejectsWith(
      openOmeZarr(store, { path: 'a' }),
      'MetadataError',
      /unsupported NGFF version "0\.3" in \.zattrs of \/a/,
    );
    await store.set(
      '/b/zarr.json',
      enc({ zarr_format: 3, node_type: 'group', attributes: ms([{ name: 'y' }, { name: 'x' }]) }),
    );
    await rejectsWith(
      openOmeZarr(store, { path: 'b' }),
      'MetadataError',
      /missing 'ome' in attributes of zarr\.json of \/b/,
    );
    await rejectsWith(openOmeZarr(store, { path: 'nothing' }), 'NotFoundError', /no Zarr node at \/nothing/);
  });
});
