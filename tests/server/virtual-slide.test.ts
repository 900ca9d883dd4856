/**
 * The virtual slide (`sketchpose serve --virtual N --seed S`): metadata the engine's OME-Zarr
 * reader accepts, chunks that are a pure function of (seed, level, chunk), levels that agree with
 * each other like a pyramid, labels written to a separate folder only, and server memory that
 * stays bounded while many chunks are read (measured on the real CLI in a child process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchStore } from 'zarrita';
import { openOmeZarr } from '../../src/engine/io/index.ts';
import { startServer } from '../../src/server/http-server.ts';
import { openVirtualStore } from '../../src/server/served-store.ts';
import { VirtualSlide } from '../../src/server/virtual-slide.ts';

const REPO = join(import.meta.dirname, '..', '..');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sketchpose-virtual-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('VirtualSlide', () => {
  it('has a pyramid of halving levels down to one chunk', () => {
    const slide = new VirtualSlide({ size: 100_000, seed: 1 });
    expect(slide.levels.map((l) => l.shape[0])).toEqual([
      100000, 50000, 25000, 12500, 6250, 3125, 1563, 782, 391,
    ]);
  });

  it('chunks are a pure function of (seed, level, chunk): equal across instances, different for another seed', () => {
    const a = new VirtualSlide({ size: 100_000, seed: 1 });
    const b = new VirtualSlide({ size: 100_000, seed: 1 });
    const c = new VirtualSlide({ size: 100_000, seed: 2 });
    for (const [level, row, col] of [
      [0, 97, 131],
      [0, 195, 195],
      [4, 3, 7],
      [8, 0, 0],
    ] as const) {
      const chunk = a.renderChunk(level, row, col);
      expect(sha(b.renderChunk(level, row, col)), `${level}/${row}/${col}`).toBe(sha(chunk));
      expect(sha(c.renderChunk(level, row, col))).not.toBe(sha(chunk));
    }
  });

  it('shows nuclei: level-0 chunks in a dense region have bright objects on a dark background', () => {
    const slide = new VirtualSlide({ size: 100_000, seed: 1 });
    // find a chunk with nuclei among a few far-apart ones
    const counts = [
      [10, 10],
      [60, 150],
      [120, 40],
      [190, 190],
    ].map(([r, c]) => {
      const chunk = slide.renderChunk(0, r!, c!);
      return chunk.filter((v) => v > 80).length / chunk.length;
    });
    expect(Math.max(...counts)).toBeGreaterThan(0.05);
    expect(Math.min(...counts)).toBeLessThan(0.9);
  });

  it('each level agrees with the 2×2 mean of the level above it (a pyramid, not unrelated images)', () => {
    const slide = new VirtualSlide({ size: 100_000, seed: 1 });
    for (let level = 0; level < 7; level++) {
      // chunk (2, 2) of `level` covers the top-left quarter of chunk (1, 1) of the next level
      const fine = slide.renderChunk(level, 2, 2);
      const coarse = slide.renderChunk(level + 1, 1, 1);
      let sumFine = 0;
      let sumCoarse = 0;
      let absDiff = 0;
      for (let r = 0; r < 256; r++) {
        for (let c = 0; c < 256; c++) {
          const i = 2 * r * 512 + 2 * c;
          const mean = (fine[i]! + fine[i + 1]! + fine[i + 512]! + fine[i + 513]!) / 4;
          sumFine += mean;
          sumCoarse += coarse[r * 512 + c]!;
          absDiff += Math.abs(mean - coarse[r * 512 + c]!);
        }
      }
      const n = 256 * 256;
      // same mean brightness within 10 % and small pixel-wise differences
      expect(Math.abs(sumFine - sumCoarse) / sumFine, `level ${level} mean`).toBeLessThan(0.1);
      expect(absDiff / n, `level ${level} pixels`).toBeLessThan(12);
    }
  });

  it('parses only real chunk keys', () => {
    const v3 = new VirtualSlide({ size: 1000, seed: 1 });
    expect(v3.chunkOfKey('/0/c/1/1')).toEqual({ level: 0, row: 1, col: 1 });
    for (const key of [
      '/0/c/2/0',
      '/0/1/1',
      '/9/c/0/0',
      '/0/c/01/0',
      '/0/c/-1/0',
      '/0/c/1e0/0',
      '/0/c/0/0/0',
    ]) {
      expect(v3.chunkOfKey(key), key).toBeUndefined();
    }
    const v2 = new VirtualSlide({ size: 1000, seed: 1, ngff: '0.4' });
    expect(v2.chunkOfKey('/1/0/0')).toEqual({ level: 1, row: 0, col: 0 });
    expect(v2.chunkOfKey('/0/c/0/0')).toBeUndefined();
  });
});

describe('served virtual slide', () => {
  for (const ngff of ['0.4', '0.5'] as const) {
    it(`NGFF ${ngff}: the engine reads it over HTTP; labels go to the labels folder and nothing else is written`, async () => {
      const labelsDirectory = join(dir, `labels-${ngff}`);
      const store = await openVirtualStore({
        size: 100_000,
        seed: 7,
        ngff,
        labelsDirectory,
        cacheBytes: 2 ** 20,
      });
      const server = await startServer({ store, appDir: dir });
      try {
        const image = await openOmeZarr(new FetchStore(`${server.url}store`));
        expect(image.ngff).toBe(ngff);
        expect(image.levels[0]!.shape).toEqual([100_000, 100_000]);
        const window = await image.readLevel(0, { rows: [50_000, 50_100], cols: [70_000, 70_100] });
        const direct = store.slide.renderChunk(0, 97, 136);
        const r0 = 50_000 - 97 * 512;
        const c0 = 70_000 - 136 * 512;
        expect(window.data[0]).toBe(direct[r0 * 512 + c0]);
        expect(window.data[99 * 100 + 99]).toBe(direct[(r0 + 99) * 512 + c0 + 99]);
        const info = await (await fetch(`${server.url}api/info`)).json();
        expect(info).toMatchObject({
          virtual: true,
          shape: [100_000, 100_000],
          ngff,
          name: 'virtual-100000-seed7',
        });
        expect((await fetch(`${server.url}store/0/c/999/0`)).status).toBe(404);
        expect((await fetch(`${server.url}store/0/zarr.json`, { method: 'PUT', body: '{}' })).status).toBe(
          403,
        );
        // reading absent labels creates nothing on disk
        expect((await fetch(`${server.url}store/labels/zarr.json`)).status).toBe(404);
        expect((await fetch(`${server.url}api/labels/annotations/chunks`)).status).toBe(404);
        await expect(readdir(labelsDirectory)).rejects.toThrow(/ENOENT/);
        const chunkKey = ngff === '0.5' ? '0/c/97/136' : '0/97/136';
        const put = await fetch(`${server.url}store/labels/annotations/${chunkKey}`, {
          method: 'PUT',
          body: 'abc',
        });
        expect(put.status).toBe(201);
        expect(await (await fetch(`${server.url}store/labels/annotations/${chunkKey}`)).text()).toBe('abc');
        const onDisk = join(labelsDirectory, 'labels', 'annotations', ...chunkKey.split('/'));
        expect(await readFile(onDisk, 'utf8')).toBe('abc');
        expect(await readdir(labelsDirectory)).toEqual(['labels']);
        await fetch(`${server.url}store/labels/annotations/0/${ngff === '0.4' ? '.zarray' : 'zarr.json'}`, {
          method: 'PUT',
          body: '{}',
        });
        const listed = await (await fetch(`${server.url}api/labels/annotations/chunks`)).json();
        expect(listed).toMatchObject({ zarrFormat: ngff === '0.5' ? 3 : 2, chunks: [[97, 136]] });
        // the cache holds at most its cap (1 MiB = 4 chunks of 512²)
        expect(store.cache.bytes).toBeLessThanOrEqual(2 ** 20);
      } finally {
        await server.close();
      }
    });
  }
});

function rssKiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)![1]));
}

describe('server memory', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('RSS of `sketchpose serve --virtual 100000` stays bounded while 700 chunks are read', async () => {
    child = spawn(
      process.execPath,
      [
        join(REPO, 'bin', 'sketchpose.mjs'),
        'serve',
        '--virtual',
        '100000',
        '--seed',
        '1',
        '--port',
        '0',
        '--cache-mb',
        '4',
        '--cache-dir',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child!.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const pid = child.pid!;
    // warm up: metadata and one chunk per level, so the code paths are compiled
    for (let level = 0; level < 9; level++)
      await fetch(`${url}store/${level}/c/0/0`).then((r) => r.arrayBuffer());
    const before = await rssKiB(pid);
    // 700 chunk reads spread over the slide (three far-apart places and a scan) and levels 0-6
    let bytes = 0;
    let peak = before;
    const keys: string[] = [];
    for (const [r, c] of [
      [5, 5],
      [100, 180],
      [180, 20],
    ]) {
      for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) keys.push(`0/c/${r + i}/${c + j}`);
    }
    for (let k = 0; keys.length < 700; k++) {
      const level = k % 7;
      const grid = Math.ceil(100_000 / 2 ** level / 512);
      keys.push(`${level}/c/${(k * 37) % grid}/${(k * 91) % grid}`);
    }
    for (let i = 0; i < keys.length; i += 4) {
      const batch = await Promise.all(
        keys.slice(i, i + 4).map((key) => fetch(`${url}store/${key}`).then((r) => r.arrayBuffer())),
      );
      for (const b of batch) {
        expect(b.byteLength).toBe(512 * 512);
        bytes += b.byteLength;
      }
      if (i % 40 === 0) peak = Math.max(peak, await rssKiB(pid));
    }
    const after = await rssKiB(pid);
    peak = Math.max(peak, after);
    console.log(
      `virtual slide server RSS: before ${(before / 1024).toFixed(1)} MiB, after ${keys.length} chunks ` +
        `(${(bytes / 2 ** 20).toFixed(0)} MiB served) ${(after / 1024).toFixed(1)} MiB, peak ${(peak / 1024).toFixed(1)} MiB`,
    );
    // 700 chunks are 175 MiB of pixels. With a 4 MiB cache the server may grow by the cache, the
    // per-request buffers and garbage not yet collected (V8 collects the chunks' ArrayBuffers once
    // about 64 MiB of them have been allocated), but not by what it served.
    expect(bytes).toBeGreaterThan(170 * 2 ** 20);
    expect((peak - before) / 1024).toBeLessThan(100);
    // nothing was written to disk: the labels folder of this slide holds no file
    const written = await readdir(join(dir, 'virtual'), { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    expect(written.filter((e) => e.isFile())).toEqual([]);
  }, 120_000);
});
