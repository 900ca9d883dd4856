/**
 * PNG and TIFF import/export. Invariants: every fixture decodes to exactly what tifffile / Pillow
 * read (expected.json, made by tests/fixtures/io/make_fixtures.py); write → read is the identity
 * for every supported dtype; corrupted or unsupported input is a FormatError/DtypeError/ShapeError
 * whose message names what failed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { SketchposeError } from '../../src/engine/errors.ts';
import {
  readImage,
  readPng,
  readTiff,
  sniffImageFormat,
  writePng,
  writeTiff,
} from '../../src/engine/io/index.ts';
import type { TypedArray } from '../../src/engine/types.ts';

const FIXTURES = new URL('../fixtures/io/', import.meta.url);

interface Expected {
  shape: number[];
  min: number;
  max: number;
  sum: number;
  md5f64: string;
  values?: number[];
}
const expected: Record<string, Expected> = JSON.parse(
  readFileSync(new URL('expected.json', FIXTURES), 'utf8'),
);

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

function md5f64(data: TypedArray): string {
  const f64 = Float64Array.from(data as ArrayLike<number>);
  return createHash('md5').update(new Uint8Array(f64.buffer)).digest('hex');
}

/** Seeded LCG so the round-trip data is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function rejectsWith(promise: Promise<unknown>, tag: string, pattern: RegExp): Promise<void> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as SketchposeError | undefined;
  expect(err, `expected a ${tag}`).toBeDefined();
  expect(err!.tag).toBe(tag);
  expect(err!.message).toMatch(pattern);
}

const imageFixtures = Object.keys(expected).filter((k) => /\.(png|tif)$/.test(k) && !k.includes('multipage'));

describe('readImage on the fixtures (compared with tifffile / Pillow)', () => {
  it.each(imageFixtures)('%s', async (name) => {
    const want = expected[name]!;
    const img = await readImage(fixture(name), name);
    expect(img.shape).toEqual(want.shape);
    expect(img.data.length).toBe(want.shape.reduce((a, b) => a * b, 1));
    if (want.values) expect(Array.from(img.data as ArrayLike<number>)).toEqual(want.values);
    expect(md5f64(img.data)).toBe(want.md5f64);
  });

  it('returns the stored sample types and array classes', async () => {
    const cases: [string, string, string][] = [
      ['real/dsb2018_00071198d059ba7f.png', 'uint8', 'Uint8Array'],
      ['real/dsb2018_00071198d059ba7f_labels.tif', 'uint16', 'Uint16Array'],
      ['real/bbbc007_A9_p7d_sparse_labels_int32.tif', 'int32', 'Int32Array'],
      ['real/bbbc007_blobs_sparse_labels_int64.tif', 'int64', 'Float64Array'],
      ['synthetic/u64_tiled_bigendian.tif', 'uint64', 'Float64Array'],
      ['synthetic/f16.tif', 'float16', 'Float32Array'],
      ['synthetic/bilevel.tif', 'uint1', 'Uint8Array'],
      ['synthetic/gray16.png', 'uint16', 'Uint16Array'],
      ['synthetic/rgba16.png', 'uint16', 'Uint16Array'],
      ['synthetic/gray4.png', 'uint4', 'Uint8Array'],
      ['synthetic/palette_trns.png', 'uint8', 'Uint8Array'],
    ];
    for (const [name, sampleType, ctor] of cases) {
      const img = await readImage(fixture(name), name);
      expect([name, img.sampleType, img.data.constructor.name]).toEqual([name, sampleType, ctor]);
    }
  });

  it('reads a TIFF whose second IFD is a reduced-resolution subfile as one image', async () => {
    const img = await readTiff(fixture('synthetic/with_reduced_subfile.tif'));
    expect(img.shape).toEqual([8, 8, 1]);
  });

  it('sniffs the format from the magic number, not the name', async () => {
    expect(sniffImageFormat(fixture('synthetic/gray8.png'))).toBe('png');
    expect(sniffImageFormat(fixture('synthetic/u8.tif'))).toBe('tiff');
    expect(sniffImageFormat(fixture('synthetic/u16_bigendian.tif'))).toBe('tiff');
    const img = await readImage(fixture('synthetic/gray8.png'), 'misnamed.tif');
    expect(img.shape).toEqual([5, 7, 1]);
    await rejectsWith(
      readImage(new Uint8Array([1, 2, 3, 4, 5]), 'x.bin'),
      'FormatError',
      /x\.bin: not a PNG or TIFF.*01 02 03/,
    );
  });
});

describe('malformed images', () => {
  it('refuses a multi-page TIFF, naming the page count', async () => {
    await rejectsWith(
      readTiff(fixture('synthetic/multipage_3.tif'), 'stack.tif'),
      'FormatError',
      /stack\.tif: multi-page TIFF \(3 pages\) is not supported/,
    );
  });

  it('reports corrupted PNG bytes (CRC, truncation, bad header)', async () => {
    const good = fixture('synthetic/rgb8.png');
    const flipped = good.slice();
    flipped[good.length - 20]! ^= 0xff; // inside IDAT: CRC mismatch
    await rejectsWith(readImage(flipped, 'flip.png'), 'FormatError', /flip\.png: cannot decode PNG/);
    await rejectsWith(readImage(good.slice(0, 40), 'cut.png'), 'FormatError', /cut\.png/);
    const badHeader = good.slice();
    badHeader[24] = 7; // IHDR bit depth 7
    await rejectsWith(readImage(badHeader, 'hdr.png'), 'FormatError', /hdr\.png: cannot decode PNG/);
  });

  it('reports corrupted TIFF bytes (directory and pixel data)', async () => {
    const good = fixture('synthetic/u8.tif');
    await rejectsWith(
      readImage(good.slice(0, 12), 'cut.tif'),
      'FormatError',
      /cut\.tif: cannot (parse|decode)/,
    );
    const deflate = fixture('real/dsb2018_00071198d059ba7f_labels.tif');
    const broken = deflate.slice();
    broken.fill(0xaa, 200, 600); // overwrite compressed strip bytes
    await rejectsWith(
      readImage(broken, 'strip.tif'),
      'FormatError',
      /strip\.tif: cannot decode the uint16 TIFF pixel data/,
    );
    const badIfd = good.slice();
    new DataView(badIfd.buffer).setUint32(4, 0x7fffffff, true); // first IFD offset past the end
    await rejectsWith(readImage(badIfd, 'ifd.tif'), 'FormatError', /ifd\.tif: cannot parse/);
  });
});

describe('round trips', () => {
  it('PNG 8-bit and 16-bit single channel are exact', () => {
    const rand = seeded(1);
    const u8 = Uint8Array.from({ length: 37 * 23 }, () => Math.floor(rand() * 256));
    const u16 = Uint16Array.from({ length: 37 * 23 }, () => Math.floor(rand() * 65536));
    for (const data of [u8, u16]) {
      const back = readPng(writePng({ data, shape: [37, 23] }));
      expect(back.shape).toEqual([37, 23, 1]);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(data));
    }
  });

  it('TIFF uint8/uint16/uint32/float32 are exact, over several strips', async () => {
    const rand = seeded(2);
    const shape: [number, number] = [301, 127]; // float32 rows of 508 B: 129 rows per 64 KiB strip → 3 strips
    const n = shape[0] * shape[1];
    const arrays: TypedArray[] = [
      Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)),
      Uint16Array.from({ length: n }, () => Math.floor(rand() * 65536)),
      Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32)),
      Float32Array.from({ length: n }, () => (rand() - 0.5) * 1e6),
    ];
    for (const data of arrays) {
      const back = await readImage(writeTiff({ data, shape }), 'roundtrip.tif');
      expect(back.shape).toEqual([...shape, 1]);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(data as ArrayLike<number>));
    }
  });

  it('refuses rasters it cannot write, naming the dtype or shape', () => {
    expect(() => writePng({ data: new Float32Array(4), shape: [2, 2] })).toThrow(/Float32Array/);
    expect(() => writeTiff({ data: new Int16Array(4), shape: [2, 2] })).toThrow(/Int16Array/);
    expect(() => writeTiff({ data: new Uint8Array(5), shape: [2, 2] })).toThrow(/5 values, shape \[2, 2\]/);
    expect(() => writePng({ data: new Uint8Array(0), shape: [0, 3] })).toThrow(/\[0, 3\]/);
  });

  it('reads a PNG that fast-png itself wrote with 16-bit RGBA', () => {
    const data = Uint16Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 2500);
    const back = readPng(encode({ width: 2, height: 3, data, depth: 16, channels: 4 }));
    expect(back.shape).toEqual([3, 2, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});
