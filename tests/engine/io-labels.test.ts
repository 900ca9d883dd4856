/**
 * OME-Zarr label images: write chunk by chunk, read back. Invariants: write → read is exact for
 * every dtype, NGFF version and compression; chunks that are all zero are absent from the store
 * (and erasing a chunk removes it); metadata follows NGFF 0.4 / 0.5 (checked key by key); wrong
 * dtypes and shapes are refused naming both; the filesystem store refuses keys leaving its root.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SketchposeError } from '../../src/engine/errors.ts';
import {
  createLabelImage,
  type LabelDtype,
  listLabels,
  MemoryStore,
  openLabelImage,
  openOmeZarr,
} from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import type { TypedArray } from '../../src/engine/types.ts';

const CTOR = { uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array } as const;
const MAX = { uint8: 255, uint16: 65535, uint32: 2 ** 32 - 1 } as const;
const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes!));

async function rejectsWith(promise: Promise<unknown>, tag: string, pattern: RegExp): Promise<void> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as SketchposeError | undefined;
  expect(err, `expected a ${tag}`).toBeDefined();
  expect(err!.tag).toBe(tag);
  expect(err!.message).toMatch(pattern);
}

/** A 70×90 label image (chunks 32×32 → 3×3 grid, clipped edges) whose chunk (1, 1) is all zero. */
function makeLabels(dtype: LabelDtype): TypedArray {
  const out = new CTOR[dtype](70 * 90);
  for (let r = 0; r < 70; r++) {
    for (let c = 0; c < 90; c++) {
      const inEmpty = r >= 32 && r < 64 && c >= 32 && c < 64;
      const inBlank = r < 32 && c >= 64; // chunk (0, 2) too
      out[r * 90 + c] = inEmpty || inBlank ? 0 : (r * 7 + c * 13) % 5 === 0 ? MAX[dtype] : (r * 31 + c) % 97;
    }
  }
  return out;
}

function chunkOf(full: TypedArray, cr: number, cc: number, clip: boolean): TypedArray {
  const rows = clip ? Math.min(32, 70 - cr * 32) : 32;
  const cols = clip ? Math.min(32, 90 - cc * 32) : 32;
  const out = new (full.constructor as new (n: number) => TypedArray)(rows * cols);
  for (let r = 0; r < rows && cr * 32 + r < 70; r++) {
    for (let c = 0; c < cols && cc * 32 + c < 90; c++)
      out[r * cols + c] = full[(cr * 32 + r) * 90 + cc * 32 + c]!;
  }
  return out;
}

const cases = (['0.4', '0.5'] as const).flatMap((ngff) =>
  (['uint8', 'uint16', 'uint32'] as const).flatMap((dtype) =>
    (['none', 'deflate'] as const).map((compression) => ({ ngff, dtype, compression })),
  ),
);

describe('label image round trips', () => {
  it.each(cases)('NGFF $ngff, $dtype, compression $compression', async ({ ngff, dtype, compression }) => {
    const store = new MemoryStore();
    const full = makeLabels(dtype);
    const writer = await createLabelImage(store, {
      name: 'masks',
      shape: [70, 90],
      chunks: [32, 32],
      dtype,
      ngff,
      compression,
      colors: [{ labelValue: 1, rgba: [255, 0, 0, 128] }],
      properties: [{ 'label-value': 1, class: 'cell' }],
    });
    expect(writer.chunkGrid).toEqual([3, 3]);
    const results: string[] = [];
    for (let cr = 0; cr < 3; cr++) {
      for (let cc = 0; cc < 3; cc++) {
        // edge chunks alternate between the clipped shape and the full padded shape
        results.push(await writer.writeChunk(cr, cc, chunkOf(full, cr, cc, (cr + cc) % 2 === 0)));
      }
    }
    expect(results).toEqual([
      'written',
      'written',
      'empty',
      'written',
      'empty',
      'written',
      'written',
      'written',
      'written',
    ]);
    expect(await writer.finish()).toEqual({ written: 7, empty: 2 });

    const c = ngff === '0.5' ? 'c/' : '';
    expect(
      store
        .keys()
        .filter(
          (k) => k.startsWith('/labels/masks/0/') && !k.endsWith('.zarray') && !k.endsWith('zarr.json'),
        ),
    ).toEqual(['0/0', '0/1', '1/0', '1/2', '2/0', '2/1', '2/2'].map((k) => `/labels/masks/0/${c}${k}`));

    const labels = await openLabelImage(store, 'masks');
    expect([labels.shape, labels.chunks, labels.dtype, labels.ngff]).toEqual([
      [70, 90],
      [32, 32],
      dtype,
      ngff,
    ]);
    expect(labels.colors).toEqual([{ labelValue: 1, rgba: [255, 0, 0, 128] }]);
    expect(labels.properties).toEqual([{ 'label-value': 1, class: 'cell' }]);
    const back = await labels.readWindow(0, 0, 70, 90);
    expect(back.constructor).toBe(CTOR[dtype]);
    expect(Array.from(back)).toEqual(Array.from(full));
    expect(await labels.readChunk(1, 1)).toBeNull();
    expect(Array.from((await labels.readChunk(2, 2))!)).toEqual(Array.from(chunkOf(full, 2, 2, false)));
    const win = await labels.readWindow(20, 25, 30, 50);
    for (let r = 0; r < 30; r++) {
      for (let col = 0; col < 50; col++) expect(win[r * 50 + col]).toBe(full[(r + 20) * 90 + col + 25]);
    }
  });
});

describe('label metadata follows NGFF', () => {
  it('0.4: labels/.zattrs, multiscales, image-label and .zarray', async () => {
    const store = new MemoryStore();
    const w = await createLabelImage(store, {
      name: 'annotations',
      shape: [10, 12],
      chunks: [8, 8],
      dtype: 'uint8',
      ngff: '0.4',
      colors: [{ labelValue: 2, rgba: [0, 255, 0, 255] }],
    });
    await w.finish();
    expect(decode(await store.get('/labels/.zattrs'))).toEqual({ labels: ['annotations'] });
    expect(decode(await store.get('/.zgroup'))).toEqual({ zarr_format: 2 });
    const attrs = decode(await store.get('/labels/annotations/.zattrs'));
    expect(attrs.multiscales).toEqual([
      {
        name: 'annotations',
        version: '0.4',
        axes: [
          { name: 'y', type: 'space' },
          { name: 'x', type: 'space' },
        ],
        datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1] }] }],
      },
    ]);
    expect(attrs['image-label']).toEqual({
      version: '0.4',
      colors: [{ 'label-value': 2, rgba: [0, 255, 0, 255] }],
      properties: [],
      source: { image: '../../' },
    });
    expect(decode(await store.get('/labels/annotations/0/.zarray'))).toMatchObject({
      zarr_format: 2,
      shape: [10, 12],
      chunks: [8, 8],
      dtype: '|u1',
      compressor: { id: 'zlib' },
      fill_value: 0,
      order: 'C',
      dimension_separator: '/',
    });
  });

  it('0.5: zarr.json with attributes.ome and dimension_names', async () => {
    const store = new MemoryStore();
    await (
      await createLabelImage(store, {
        name: 'masks',
        shape: [10, 12],
        chunks: [8, 8],
        dtype: 'uint32',
        ngff: '0.5',
        compression: 'none',
      })
    ).finish();
    expect(decode(await store.get('/labels/zarr.json'))).toEqual({
      zarr_format: 3,
      node_type: 'group',
      attributes: { ome: { version: '0.5', labels: ['masks'] } },
    });
    const group = decode(await store.get('/labels/masks/zarr.json'));
    expect(group.attributes.ome.version).toBe('0.5');
    expect(group.attributes.ome.multiscales[0].version).toBeUndefined();
    expect(group.attributes.ome['image-label']).toEqual({
      colors: [],
      properties: [],
      source: { image: '../../' },
    });
    expect(decode(await store.get('/labels/masks/0/zarr.json'))).toMatchObject({
      node_type: 'array',
      data_type: 'uint32',
      fill_value: 0,
      dimension_names: ['y', 'x'],
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    });
  });

  it('adds labels inside an existing image: copies its scale, keeps other labels, checks the shape', async () => {
    const fixture = new FileSystemStore(
      new URL('../fixtures/io/ome-zarr/dsb2018_07fb37aa_v0.5.ome.zarr', import.meta.url).pathname,
    );
    const store = new MemoryStore();
    for (const key of ['/zarr.json', '/0/zarr.json', '/1/zarr.json', '/2/zarr.json', '/labels/zarr.json']) {
      await store.set(key, (await fixture.get(key))!);
    }
    const w = await createLabelImage(store, {
      name: 'annotations',
      shape: [520, 696],
      chunks: [256, 256],
      dtype: 'uint8',
      ngff: '0.5',
    });
    await w.writeChunk(2, 2, new Uint8Array(8 * 184).fill(3)); // the clipped corner chunk
    await w.finish();
    expect(await listLabels(store)).toEqual(['nuclei', 'annotations']);
    const ome = decode(await store.get('/labels/annotations/zarr.json')).attributes.ome;
    expect(ome.multiscales[0].axes).toEqual([
      { name: 'y', type: 'space', unit: 'micrometer' },
      { name: 'x', type: 'space', unit: 'micrometer' },
    ]);
    expect((await openOmeZarr(store)).levels.length).toBe(3); // the image itself is untouched
    const window = await (await openLabelImage(store, 'annotations')).readWindow(510, 690, 10, 6);
    expect(Array.from(window)).toEqual([...new Array(12).fill(0), ...new Array(48).fill(3)]);
    await rejectsWith(
      createLabelImage(store, {
        name: 'bad',
        shape: [520, 700],
        chunks: [256, 256],
        dtype: 'uint8',
        ngff: '0.5',
      }),
      'ShapeError',
      /label shape \[520, 700\] does not match the y\/x size \[520, 696\]/,
    );
    await rejectsWith(
      createLabelImage(store, {
        name: 'v4',
        shape: [520, 696],
        chunks: [256, 256],
        dtype: 'uint8',
        ngff: '0.4',
      }),
      'MetadataError',
      /\/ is a Zarr v3 group; NGFF 0\.4 labels need Zarr v2/,
    );
  });

  it('reopens an existing label image, keeping its chunks; erasing a chunk deletes it', async () => {
    const store = new MemoryStore();
    const opts = {
      name: 'annotations',
      shape: [40, 40] as [number, number],
      chunks: [16, 16] as [number, number],
      dtype: 'uint8' as const,
      ngff: '0.4' as const,
    };
    const first = await createLabelImage(store, opts);
    await first.writeChunk(0, 0, new Uint8Array(256).fill(2));
    await first.writeChunk(2, 2, { data: new Uint8Array(64).fill(1), shape: [8, 8] });
    await first.finish();
    await rejectsWith(first.writeChunk(0, 1, new Uint8Array(256)), 'ValueError', /is finished/);
    const again = await createLabelImage(store, opts);
    expect(await again.writeChunk(2, 2, new Uint8Array(64))).toBe('empty');
    expect(await store.get('/labels/annotations/0/2/2')).toBeUndefined();
    const labels = await openLabelImage(store, 'annotations');
    expect(Array.from((await labels.readChunk(0, 0))!)).toEqual(new Array(256).fill(2));
    expect(await listLabels(store)).toEqual(['annotations']);
    await rejectsWith(
      createLabelImage(store, { ...opts, dtype: 'uint16' }),
      'MetadataError',
      /already exists with shape \[40,40\].*dtype "uint8"/,
    );
    await rejectsWith(
      createLabelImage(store, { ...opts, compression: 'none' }),
      'MetadataError',
      /already exists with encoding \[\{"id":"zlib","level":6\},null,"C"\]; compression 'none' would write \[null,null,"C"\]/,
    );
  });
});

describe('label writer errors', () => {
  const base = {
    name: 'm',
    shape: [40, 50] as [number, number],
    chunks: [16, 16] as [number, number],
    ngff: '0.5' as const,
  };
  it('refuses float dtypes and wrong chunk data, naming dtypes and shapes', async () => {
    const store = new MemoryStore();
    await rejectsWith(
      createLabelImage(store, { ...base, dtype: 'float64' as LabelDtype }),
      'DtypeError',
      /label dtype 'float64'/,
    );
    const w = await createLabelImage(store, { ...base, dtype: 'uint16' });
    await rejectsWith(
      w.writeChunk(0, 0, new Float64Array(256)),
      'DtypeError',
      /uint16: chunk data must be a Uint16Array, got Float64Array/,
    );
    await rejectsWith(
      w.writeChunk(0, 0, new Uint16Array(250)),
      'ShapeError',
      /expects shape \[16, 16\], got 250 values/,
    );
    await rejectsWith(
      w.writeChunk(2, 3, { data: new Uint16Array(16 * 2), shape: [16, 2] }),
      'ShapeError',
      /chunk \(2, 3\) of \/labels\/m expects shape \[16, 16\] or \[8, 2\], got shape \[16, 2\]/,
    );
    await rejectsWith(
      w.writeChunk(0, 0, { data: new Uint16Array(10), shape: [16, 16] }),
      'ShapeError',
      /10 values but its shape \[16, 16\] needs 256/,
    );
    await rejectsWith(
      w.writeChunk(3, 0, new Uint16Array(256)),
      'ValueError',
      /chunk \(3, 0\) is outside the 3×4 chunk grid/,
    );
    await rejectsWith(
      createLabelImage(store, { ...base, name: '../x', dtype: 'uint8' }),
      'ValueError',
      /label name "\.\.\/x"/,
    );
    await rejectsWith(
      createLabelImage(store, {
        ...base,
        name: 'n',
        dtype: 'uint8',
        colors: [{ labelValue: 1, rgba: [0, 0, 300, 0] }],
      }),
      'ValueError',
      /colors\[0\]/,
    );
  });

  it('openLabelImage refuses float label data and reports a missing label', async () => {
    const store = new MemoryStore();
    await (await createLabelImage(store, { ...base, dtype: 'uint8' })).finish();
    const zarrJson = decode(await store.get('/labels/m/0/zarr.json'));
    await store.set(
      '/labels/m/0/zarr.json',
      new TextEncoder().encode(JSON.stringify({ ...zarrJson, data_type: 'float64' })),
    );
    await rejectsWith(
      openLabelImage(store, 'm'),
      'DtypeError',
      /\/labels\/m has dtype 'float64'; labels must be integers/,
    );
    await rejectsWith(openLabelImage(store, 'absent'), 'NotFoundError', /\/labels\/absent/);
  });
});

describe('FileSystemStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sketchpose-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a sparse label image to disk, readable back', async () => {
    const store = new FileSystemStore(join(dir, 'img.ome.zarr'));
    const w = await createLabelImage(store, {
      name: 'a',
      shape: [20, 20],
      chunks: [10, 10],
      dtype: 'uint8',
      ngff: '0.4',
    });
    await w.writeChunk(1, 0, new Uint8Array(100).fill(9));
    await w.writeChunk(0, 0, new Uint8Array(100));
    await w.finish();
    expect(readdirSync(join(dir, 'img.ome.zarr/labels/a/0'))).toEqual(['.zarray', '1']);
    expect(readdirSync(join(dir, 'img.ome.zarr/labels/a/0/1'))).toEqual(['0']);
    expect(JSON.parse(readFileSync(join(dir, 'img.ome.zarr/labels/.zattrs'), 'utf8'))).toEqual({
      labels: ['a'],
    });
    const back = await (await openLabelImage(store, 'a')).readWindow(0, 0, 20, 20);
    const want = Array.from({ length: 400 }, (_, i) => (Math.floor(i / 20) >= 10 && i % 20 < 10 ? 9 : 0));
    expect(Array.from(back)).toEqual(want);
  });

  it('refuses keys that leave the root', async () => {
    const store = new FileSystemStore(dir);
    for (const key of ['/../x', 'a/../../x', '//etc/passwd', 'C:\\x', 'a\\b', '/a//b', '']) {
      await rejectsWith(store.set(key, new Uint8Array(1)), 'ValueError', /store key/);
    }
    expect(await store.get('/missing/key')).toBeUndefined();
  });
});
