/**
 * `sketchpose serve`'s HTTP interface (docs/design/server-api.md) on real stores in temporary
 * folders: the app, Zarr v2 and v3 metadata and chunks, label writes (only under labels/, atomic,
 * size-capped), refusal of every way out of the store root (raw and encoded `..`, backslashes,
 * absolute paths, symlinks), the Host and Origin checks, and the 127.0.0.1-only binding.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchStore } from 'zarrita';
import { createLabelImage, openLabelImage, openOmeZarr, readImage } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import { imageToOmeZarr } from '../../src/server/convert.ts';
import { type RunningServer, startServer } from '../../src/server/http-server.ts';
import { openDirectoryStore } from '../../src/server/served-store.ts';
import { HttpStore, rawRequest } from './http-helpers.ts';

const REPO = join(import.meta.dirname, '..', '..');
const SAMPLE = join(REPO, 'examples', 'dsb2018-0402a81e75262469.ome.zarr');
const PNG = join(REPO, 'tests', 'fixtures', 'io', 'real', 'dsb2018_00071198d059ba7f.png');
const SECRET = 'TOP-SECRET-OUTSIDE-THE-STORE';

let dir: string;
let v3: RunningServer; // the bundled sample (NGFF 0.5, Zarr v3), copied
let v2: RunningServer; // a PNG converted to NGFF 0.4 (Zarr v2)
let v3Root: string;
let v2Root: string;
let outside: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sketchpose-server-'));
  // A file and a folder next to the stores that no request may reach.
  outside = join(dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), SECRET);
  await writeFile(join(dir, 'secret.txt'), SECRET);
  const app = join(dir, 'app');
  await mkdir(join(app, 'assets'), { recursive: true });
  await writeFile(join(app, 'index.html'), '<!doctype html><title>sketchpose</title>');
  await writeFile(join(app, 'app.js'), 'console.log(1)');
  await writeFile(join(app, 'backend.wasm'), new Uint8Array([0, 97, 115, 109]));

  v3Root = join(dir, 'sample.ome.zarr');
  await cp(SAMPLE, v3Root, { recursive: true });
  await rm(join(v3Root, 'labels'), { recursive: true, force: true });
  // symlinks inside the store (and inside its labels/) that lead out of it
  await symlink(join(outside, 'secret.txt'), join(v3Root, 'escape.json'));
  await symlink(outside, join(v3Root, 'escape-dir'));
  await mkdir(join(v3Root, 'labels'));
  await symlink(join(outside, 'secret.txt'), join(v3Root, 'labels', 'escape.json'));
  await symlink(outside, join(v3Root, 'labels', 'escape-dir'));
  v3 = await startServer({ store: await openDirectoryStore(v3Root), appDir: app, maxPutBytes: 4096 });

  v2Root = join(dir, 'png.ome.zarr');
  const image = await readImage(new Uint8Array(await readFile(PNG)), PNG);
  await imageToOmeZarr(image, new FileSystemStore(v2Root), { ngff: '0.4', chunk: 128, name: 'png' });
  // labels/ of this store is a symlink to a folder outside it: writes there must be refused
  await symlink(outside, join(v2Root, 'labels'));
  v2 = await startServer({ store: await openDirectoryStore(v2Root), appDir: join(dir, 'no-app') });
});

afterAll(async () => {
  await v3?.close();
  await v2?.close();
  await rm(dir, { recursive: true, force: true });
});

const text = (b: Buffer) => b.toString('utf8');

describe('serving the app', () => {
  it('GET / is index.html and /app/<file> has its content type; no directory listings', async () => {
    const index = await fetch(v3.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>sketchpose</title>');
    const js = await fetch(`${v3.url}app/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${v3.url}app/backend.wasm`)).headers.get('content-type')).toBe('application/wasm');
    for (const path of ['/app/', '/app', '/app/assets', '/app/assets/', '/app/missing.js']) {
      const res = await rawRequest(v3.port, 'GET', path);
      expect([400, 404], path).toContain(res.status);
      expect(text(res.body)).not.toContain('app.js');
    }
  });

  it('answers 503 with the build command when the app is not built', async () => {
    const res = await fetch(v2.url);
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatch(/node scripts\/build-app\.mjs/);
  });
});

describe('serving the store', () => {
  it('serves Zarr v3 metadata and chunks byte for byte, 404 for missing keys', async () => {
    const group = await fetch(`${v3.url}store/zarr.json`);
    expect(group.status).toBe(200);
    expect(group.headers.get('content-type')).toBe('application/json');
    const doc = await group.json();
    expect(doc.attributes.ome.version).toBe('0.5');
    const chunk = await fetch(`${v3.url}store/0/c/1/2`);
    expect(chunk.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await chunk.arrayBuffer())).toEqual(await readFile(join(v3Root, '0', 'c', '1', '2')));
    expect((await fetch(`${v3.url}store/0/c/9/9`)).status).toBe(404);
    expect((await fetch(`${v3.url}store/0/c`)).status).toBe(404); // a directory: no listing
    const head = await rawRequest(v3.port, 'HEAD', '/store/0/zarr.json', {
      headers: { host: `127.0.0.1:${v3.port}` },
    });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('serves Zarr v2 metadata (.zgroup, .zattrs, .zarray) and chunks', async () => {
    expect(await (await fetch(`${v2.url}store/.zgroup`)).json()).toEqual({ zarr_format: 2 });
    const attrs = await (await fetch(`${v2.url}store/.zattrs`)).json();
    expect(attrs.multiscales[0].version).toBe('0.4');
    const zarray = await (await fetch(`${v2.url}store/0/.zarray`)).json();
    expect(zarray).toMatchObject({
      zarr_format: 2,
      dtype: '|u1',
      chunks: [128, 128],
      dimension_separator: '/',
    });
    const chunk = await fetch(`${v2.url}store/0/1/0`);
    expect(Buffer.from(await chunk.arrayBuffer())).toEqual(await readFile(join(v2Root, '0', '1', '0')));
  });

  it('honours byte ranges (zarrita reads shard indexes with them)', async () => {
    const whole = await readFile(join(v3Root, 'zarr.json'));
    const part = await fetch(`${v3.url}store/zarr.json`, { headers: { Range: 'bytes=2-9' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(2, 10));
    const suffix = await fetch(`${v3.url}store/zarr.json`, { headers: { Range: 'bytes=-5' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(whole.subarray(whole.length - 5));
  });

  it('the engine reads both stores over HTTP (zarrita FetchStore) as the original pixels', async () => {
    const decoded = await readImage(new Uint8Array(await readFile(PNG)), PNG);
    const image = await openOmeZarr(new FetchStore(`${v2.url}store`));
    expect(image.levels.map((l) => l.shape)).toEqual([
      [256, 256],
      [128, 128],
    ]);
    const plane = await image.readLevel(0);
    const grey = decoded.data.filter((_, i) => i % 4 === 0);
    expect(Array.from(plane.data)).toEqual(Array.from(grey));
    const sample = await openOmeZarr(new FetchStore(`${v3.url}store`));
    expect(sample.ngff).toBe('0.5');
    expect(sample.levels[0]!.shape).toEqual([260, 347]);
  });

  it('GET /api/info describes the store', async () => {
    const info = await (await fetch(`${v3.url}api/info`)).json();
    expect(info).toMatchObject({
      name: 'dsb2018-0402a81e75262469',
      virtual: false,
      shape: [260, 347],
      ngff: '0.5',
    });
    expect(info.source).toBe(v3Root);
    const info2 = await (await fetch(`${v2.url}api/info`)).json();
    expect(info2).toMatchObject({ name: 'png', shape: [256, 256], ngff: '0.4', zarrFormat: 2 });
  });
});

describe('writing labels', () => {
  it('PUT under labels/ writes atomically and GET gives the bytes back; DELETE removes', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) % 256);
    const put = await fetch(`${v3.url}store/labels/annotations/0/c/0/1`, { method: 'PUT', body: bytes });
    expect(put.status).toBe(201);
    const back = await fetch(`${v3.url}store/labels/annotations/0/c/0/1`);
    expect(back.headers.get('cache-control')).toBe('no-store');
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(bytes);
    expect(new Uint8Array(await readFile(join(v3Root, 'labels', 'annotations', '0', 'c', '0', '1')))).toEqual(
      bytes,
    );
    // no temporary files left next to it
    expect(await readdir(join(v3Root, 'labels', 'annotations', '0', 'c', '0'))).toEqual(['1']);
    expect((await fetch(`${v3.url}store/labels/annotations/0/c/0/1`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${v3.url}store/labels/annotations/0/c/0/1`)).status).toBe(404);
  });

  it("the engine's label writer autosaves through HTTP and the label image reads back", async () => {
    const store = new HttpStore(`${v3.url}store`);
    const writer = await createLabelImage(store, {
      name: 'annotations',
      shape: [260, 347],
      chunks: [128, 128],
      dtype: 'uint8',
      ngff: '0.5',
    });
    const tile = new Uint8Array(128 * 128).map((_, i) => (i % 7 === 0 ? 2 : i % 5 === 0 ? 1 : 0));
    await writer.writeChunk(1, 2, tile);
    await writer.finish();
    const label = await openLabelImage(new FetchStore(`${v3.url}store`), 'annotations');
    expect(label.shape).toEqual([260, 347]);
    const window = await label.readWindow(128, 256, 128, 91);
    const expected = Array.from({ length: 128 * 91 }, (_, i) => tile[Math.floor(i / 91) * 128 + (i % 91)]);
    expect(Array.from(window)).toEqual(expected);
    // the server lists the stored chunks, so a client can read just those
    const listed = await (await fetch(`${v3.url}api/labels/annotations/chunks`)).json();
    expect(listed).toEqual({
      name: 'annotations',
      array: 'labels/annotations/0',
      zarrFormat: 3,
      chunks: [[1, 2]],
    });
    expect((await fetch(`${v3.url}api/labels/nothing/chunks`)).status).toBe(404);
    expect((await rawRequest(v3.port, 'GET', '/api/labels/%2e%2e/chunks')).status).toBe(400);
    expect((await rawRequest(v3.port, 'GET', '/api/labels/escape-dir/chunks')).status).toBe(404);
  });

  it('refuses every PUT/DELETE outside /store/labels/ with 403 and changes nothing', async () => {
    const before = await readFile(join(v3Root, 'zarr.json'));
    for (const path of [
      '/store/zarr.json',
      '/store/0/c/0/0',
      '/store/labels',
      '/store/labelsX/a',
      '/api/info',
      '/',
      '/app/app.js',
      '/elsewhere',
    ]) {
      const res = await rawRequest(v3.port, 'PUT', path, {
        body: 'x',
        headers: { host: `127.0.0.1:${v3.port}` },
      });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(text(res.body)).error).toMatch(/only under \/store\/labels\//);
    }
    const del = await rawRequest(v3.port, 'DELETE', '/store/zarr.json', {
      headers: { host: `127.0.0.1:${v3.port}` },
    });
    expect(del.status).toBe(403);
    expect(await readFile(join(v3Root, 'zarr.json'))).toEqual(before);
  });

  it('refuses bodies over the size limit with 413 (nothing written)', async () => {
    const res = await fetch(`${v3.url}store/labels/big/0`, { method: 'PUT', body: new Uint8Array(4097) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/limit of 4096 bytes/);
    expect((await fetch(`${v3.url}store/labels/big/0`)).status).toBe(404);
  });

  it('refuses writes through a labels/ symlink that leads outside the store', async () => {
    const res = await fetch(`${v2.url}store/labels/annotations/zarr.json`, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatch(/symlink/);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('refuses writes from another origin unless --open-writes', async () => {
    const evil = await fetch(`${v3.url}store/labels/x/0`, {
      method: 'PUT',
      body: 'x',
      headers: { Origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    expect((await evil.json()).error).toMatch(/--open-writes/);
    const own = await fetch(`${v3.url}store/labels/x/0`, {
      method: 'PUT',
      body: 'x',
      headers: { Origin: `http://127.0.0.1:${v3.port}` },
    });
    expect(own.status).toBe(201);
    const open = await startServer({
      store: await openDirectoryStore(v3Root),
      appDir: dir,
      openWrites: true,
    });
    try {
      const res = await fetch(`${open.url}store/labels/x/1`, {
        method: 'PUT',
        body: 'y',
        headers: { Origin: 'https://vizarr.example' },
      });
      expect(res.status).toBe(201);
      const preflight = await fetch(`${open.url}store/labels/x/1`, { method: 'OPTIONS' });
      expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    } finally {
      await open.close();
    }
  });
});

describe('nothing outside the store root is served or written', () => {
  const attempts = [
    '/store/../secret.txt',
    '/store/../../secret.txt',
    '/store/0/../../secret.txt',
    '/store/%2e%2e/secret.txt',
    '/store/%2E%2E/%2e%2e/secret.txt',
    '/store/..%2fsecret.txt',
    '/store/%2e%2e%2fsecret.txt',
    '/store/..%2Fsecret.txt',
    '/store/..\\secret.txt',
    '/store/..%5csecret.txt',
    '/store/%5c..%5csecret.txt',
    '/store//etc/passwd',
    '/store/%2fetc%2fpasswd',
    '/store/C:%5cWindows',
    '/store/./zarr.json',
    '/store/zarr.json%00.png',
    '/store/%zz',
    '/store/escape.json',
    '/store/escape-dir/secret.txt',
    '/app/../../secret.txt',
    '/app/%2e%2e/%2e%2e/secret.txt',
    '/app/..%5c..%5csecret.txt',
  ];

  it.each(attempts)('GET %s is refused with a 4xx and a message', async (path) => {
    const res = await rawRequest(v3.port, 'GET', path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(text(res.body)).not.toContain(SECRET);
    expect(JSON.parse(text(res.body)).error.length).toBeGreaterThan(10);
  });

  it.each(attempts.filter((p) => p.startsWith('/store/')).map((p) => p.replace('/store/', '/store/labels/')))(
    'PUT %s is refused and writes nothing',
    async (path) => {
      const res = await rawRequest(v3.port, 'PUT', path, { body: 'pwned' });
      expect([400, 403, 404]).toContain(res.status);
      expect(await readFile(join(dir, 'secret.txt'), 'utf8')).toBe(SECRET);
      expect(await readdir(outside)).toEqual(['secret.txt']);
      expect(await readdir(dir)).not.toContain('pwned');
    },
  );

  it('refuses requests whose Host is not the server (DNS rebinding)', async () => {
    const res = await rawRequest(v3.port, 'GET', '/store/zarr.json', {
      headers: { host: 'evil.example:80' },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(text(res.body)).error).toMatch(/Host/);
    const local = await rawRequest(v3.port, 'GET', '/store/zarr.json', {
      headers: { host: `localhost:${v3.port}` },
    });
    expect(local.status).toBe(200);
  });
});

describe('binding', () => {
  it('listens on 127.0.0.1 only: not on other interfaces of this machine', async () => {
    const address = v3.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal)
      .map((i) => i!.address);
    // ::1 is a loopback address too, but not the one we bind: it must be refused as well
    for (const host of ['::1', ...others]) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect({ host, port: v3.port });
        socket.on('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      expect(refused, host).toBe(true);
    }
  });
});
