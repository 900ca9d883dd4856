/**
 * Harness of the viewer's browser tests: writes a small OME-Zarr (NGFF 0.4 / Zarr v2 or NGFF 0.5 /
 * Zarr v3, uncompressed, a 2× pyramid) from the DSB2018 fixture image, builds dist/app when the
 * sources are newer, serves the app the way `sketchpose serve` does (`/` → index.html, `/app/*`,
 * `/store/*` read, `PUT`/`DELETE /store/labels/*` write, `/api/info`) on 127.0.0.1, and launches Debian's
 * Chromium with WebGPU and software WebGL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { readImage } from '../../src/engine/io/index.ts';
import { CHROMIUM } from './harness.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist', 'app');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds dist/app unless it is newer than every source file. Test files run in parallel processes,
 * so the build holds a lock directory (mkdir is atomic) and the others wait for it.
 */
export function ensureBuilt(): void {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const lock = join(ROOT, 'dist', '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      sleepSync(250);
    }
  }
  try {
    let built = 0;
    try {
      built = Math.min(statSync(join(DIST, 'app.js')).mtimeMs, statSync(join(DIST, 'worker.js')).mtimeMs);
    } catch {
      built = 0;
    }
    if (built < newestMtime(join(ROOT, 'src'))) {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-app.mjs')], { stdio: 'inherit' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The 256² DSB2018 fixture (channel 0), mirrored into a 512² image so there are 3 levels. */
export async function sampleImage(): Promise<{ data: Uint8Array; shape: [number, number] }> {
  const png = readFileSync(join(ROOT, 'tests/fixtures/io/real/dsb2018_00071198d059ba7f.png'));
  const im = await readImage(new Uint8Array(png), 'dsb2018');
  const [h, w, c] = im.shape;
  const out = new Uint8Array(4 * h * w);
  for (let r = 0; r < 2 * h; r++) {
    for (let col = 0; col < 2 * w; col++) {
      const sr = r < h ? r : 2 * h - 1 - r;
      const sc = col < w ? col : 2 * w - 1 - col;
      out[r * 2 * w + col] = im.data[(sr * w + sc) * c]! as number;
    }
  }
  return { data: out, shape: [2 * h, 2 * w] };
}

function downsample(
  data: Uint8Array,
  [h, w]: [number, number],
): { data: Uint8Array; shape: [number, number] } {
  const H = Math.ceil(h / 2);
  const W = Math.ceil(w / 2);
  const out = new Uint8Array(H * W);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) out[r * W + c] = data[2 * r * w + 2 * c]!;
  return { data: out, shape: [H, W] };
}

export interface StoreOptions {
  ngff: '0.4' | '0.5';
  chunk: number;
  levels: number;
  image: { data: Uint8Array; shape: [number, number] };
  /** NGFF 0.4 only: zlib-compress the chunks */
  zlib?: boolean;
  /**
   * Add `c` and `z` axes (`[c, z, y, x]`, chunks `[1, 1, k, k]`): channel 0 is the image, channel 1
   * its negative; plane z is scaled by (z + 1) / z-size, so each plane is told apart.
   */
  planes?: { c: number; z: number };
}

/** The value of plane (c, z) of a `planes` store at a pixel of intensity `v`. */
export function planeValue(v: number, c: number, z: number, zSize: number): number {
  const scaled = Math.round((v * (z + 1)) / zSize);
  return c === 0 ? scaled : 255 - scaled;
}

/** Writes an uncompressed uint8 `[y, x]` OME-Zarr image into a new temporary directory. */
export function writeOmeZarr(o: StoreOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'sketchpose-store-'));
  const put = (path: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  };
  const P = o.planes;
  const axes = [
    ...(P
      ? [
          { name: 'c', type: 'channel' },
          { name: 'z', type: 'space', unit: 'micrometer' },
        ]
      : []),
    { name: 'y', type: 'space', unit: 'micrometer' },
    { name: 'x', type: 'space', unit: 'micrometer' },
  ];
  const lead = P ? [P.c, P.z] : [];
  const leadChunk = P ? [1, 1] : [];
  const planeList: [number, number][] = [];
  if (P) for (let c = 0; c < P.c; c++) for (let z = 0; z < P.z; z++) planeList.push([c, z]);
  else planeList.push([0, 0]);
  const datasets = [];
  let level = o.image;
  for (let l = 0; l < o.levels; l++) {
    datasets.push({
      path: String(l),
      coordinateTransformations: [{ type: 'scale', scale: [...lead.map(() => 1), 2 ** l, 2 ** l] }],
    });
    const [h, w] = level.shape;
    const k = o.chunk;
    if (o.ngff === '0.4') {
      put(
        `${l}/.zarray`,
        JSON.stringify({
          zarr_format: 2,
          shape: [...lead, h, w],
          chunks: [...leadChunk, k, k],
          dtype: '|u1',
          compressor: o.zlib ? { id: 'zlib', level: 1 } : null,
          fill_value: 0,
          order: 'C',
          filters: null,
          dimension_separator: '/',
        }),
      );
    } else {
      put(
        `${l}/zarr.json`,
        JSON.stringify({
          zarr_format: 3,
          node_type: 'array',
          shape: [...lead, h, w],
          data_type: 'uint8',
          chunk_grid: { name: 'regular', configuration: { chunk_shape: [...leadChunk, k, k] } },
          chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
          fill_value: 0,
          codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
          dimension_names: axes.map((a) => a.name),
          attributes: {},
        }),
      );
    }
    for (const [pc, pz] of planeList) {
      const prefix = P ? `${pc}/${pz}/` : '';
      for (let tr = 0; tr * k < h; tr++) {
        for (let tc = 0; tc * k < w; tc++) {
          const chunk = new Uint8Array(k * k);
          for (let y = 0; y < k && tr * k + y < h; y++) {
            for (let x = 0; x < k && tc * k + x < w; x++) {
              const v = level.data[(tr * k + y) * w + tc * k + x]!;
              chunk[y * k + x] = P ? planeValue(v, pc, pz, P.z) : v;
            }
          }
          put(
            o.ngff === '0.4' ? `${l}/${prefix}${tr}/${tc}` : `${l}/c/${prefix}${tr}/${tc}`,
            o.zlib ? deflateSync(chunk) : chunk,
          );
        }
      }
    }
    level = downsample(level.data, level.shape);
  }
  const multiscales = [{ version: o.ngff, name: 'dsb2018', axes, datasets }];
  if (o.ngff === '0.4') {
    put('.zgroup', JSON.stringify({ zarr_format: 2 }));
    put('.zattrs', JSON.stringify({ multiscales }));
  } else {
    put(
      'zarr.json',
      JSON.stringify({
        zarr_format: 3,
        node_type: 'group',
        attributes: { ome: { version: '0.5', multiscales: [{ name: 'dsb2018', axes, datasets }] } },
      }),
    );
  }
  return dir;
}

export interface AppServer {
  url: string;
  /** writes received: PUT store keys, and `DELETE <key>` */
  puts: string[];
  /** `/api/labels/…/chunks` requests received */
  apiCalls: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Serves dist/app and the store directory like `sketchpose serve`, bound to 127.0.0.1. */
export async function serveApp(storeDir: string): Promise<AppServer> {
  const puts: string[] = [];
  const apiCalls: string[] = [];
  const inside = (base: string, rel: string) => {
    const p = normalize(join(base, decodeURIComponent(rel)));
    return p === base || p.startsWith(base + sep) ? p : null;
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    try {
      if (req.method === 'PUT' && path.startsWith('/store/labels/')) {
        const file = inside(storeDir, path.slice('/store/'.length));
        if (!file) return void res.writeHead(403).end();
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, Buffer.concat(parts));
          puts.push(path.slice('/store'.length));
          res.writeHead(204).end();
        });
        return;
      }
      if (req.method === 'DELETE' && path.startsWith('/store/labels/')) {
        const file = inside(storeDir, path.slice('/store/'.length));
        if (!file) return void res.writeHead(403).end();
        rmSync(file, { force: true });
        puts.push(`DELETE ${path.slice('/store'.length)}`);
        return void res.writeHead(204).end();
      }
      if (req.method !== 'GET') return void res.writeHead(405).end();
      if (path === '/' || path === '/index.html') {
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(readFileSync(join(DIST, 'index.html')));
      }
      const listing = /^\/api\/labels\/([^/]+)\/chunks$/.exec(path);
      if (listing) {
        // like `sketchpose serve`: the stored level-0 chunks of a label image (Zarr v2 or v3 keys)
        apiCalls.push(path);
        const root = join(storeDir, 'labels', listing[1]!, '0');
        const chunks: [number, number][] = [];
        const walk = (dir: string, rel: string[]) => {
          for (const e of readdirSync(dir, { withFileTypes: true })) {
            if (e.isDirectory()) walk(join(dir, e.name), [...rel, e.name]);
            else if (/^\d+$/.test(e.name)) {
              const parts = [...rel, e.name].filter((p) => p !== 'c').map(Number);
              if (parts.length === 2) chunks.push(parts as [number, number]);
            }
          }
        };
        try {
          walk(root, []);
        } catch {
          return void res.writeHead(404).end();
        }
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ chunks }));
      }
      if (path === '/api/info') {
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: 'test store', source: storeDir, virtual: false }));
      }
      const [base, rel] = path.startsWith('/app/')
        ? [DIST, path.slice(5)]
        : path.startsWith('/store/')
          ? [storeDir, path.slice(7)]
          : [null, ''];
      const file = base ? inside(base, rel) : null;
      if (!file) return void res.writeHead(404).end();
      const body = readFileSync(file);
      const ext = file.slice(file.lastIndexOf('.'));
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    puts,
    apiCalls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function launchAppBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
      '--ignore-gpu-blocklist',
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Registers, for the calling test file, a sample store (the DSB2018 fixture image, 128² chunks,
 * 3 levels) served with the built app, removed after the file; fields are set once `beforeAll` ran.
 */
export function useSampleApp(ngff: '0.4' | '0.5'): { server: AppServer; storeDir: string } {
  const app = {} as { server: AppServer; storeDir: string };
  beforeAll(async () => {
    ensureBuilt();
    app.storeDir = writeOmeZarr({ ngff, chunk: 128, levels: 3, image: await sampleImage() });
    app.server = await serveApp(app.storeDir);
  }, 120_000);
  afterAll(async () => {
    await app.server?.close();
    if (app.storeDir) rmSync(app.storeDir, { recursive: true, force: true });
  });
  return app;
}
