/**
 * `sketchpose serve`'s argument handling: an image file is converted into the cache folder (once)
 * and served; an .ome.zarr folder is served in place; bad arguments fail with typed errors naming
 * what was wrong; the real command prints the URL and a busy port is reported clearly.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServeInput } from '../../src/cli/serve.ts';
import { startServer } from '../../src/server/http-server.ts';

const REPO = join(import.meta.dirname, '..', '..');
const PNG = join(REPO, 'tests', 'fixtures', 'io', 'real', 'dsb2018_00071198d059ba7f.png');
const SAMPLE = join(REPO, 'examples', 'dsb2018-0402a81e75262469.ome.zarr');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sketchpose-serve-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openServeInput', () => {
  it('converts a PNG into <cache-dir>/converted once, in the NGFF version asked for', async () => {
    const cache = join(dir, 'cache');
    const first = await openServeInput([PNG, '--cache-dir', cache, '--ngff', '0.4']);
    expect(first.store.info).toMatchObject({ source: PNG, ngff: '0.4', shape: [256, 256], virtual: false });
    expect(first.note).toMatch(/^converted /);
    const again = await openServeInput([PNG, '--cache-dir', cache, '--ngff', '0.4']);
    expect(again.note).toMatch(/^reusing the conversion/);
    expect(await readdir(join(cache, 'converted'))).toHaveLength(1);
  });

  it('serves an .ome.zarr folder in place and a virtual slide from its seed', async () => {
    const store = join(dir, 'in-place.ome.zarr');
    await cp(SAMPLE, store, { recursive: true });
    const { store: served } = await openServeInput([store]);
    expect(served.info.labelsDirectory).toBe(store);
    const virtual = await openServeInput(['--virtual', '5000', '--seed', '3', '--cache-dir', dir]);
    expect(virtual.store.info).toMatchObject({
      virtual: true,
      shape: [5000, 5000],
      source: 'virtual:size=5000,seed=3',
    });
    expect(virtual.store.info.labelsDirectory).toBe(join(dir, 'virtual', '5000-seed3-ngff0.5'));
  });

  it.each([
    [[], /expected one image/],
    [[PNG, '--virtual', '100'], /either an image or --virtual/],
    [['/nonexistent-sketchpose/missing.png'], /does not exist/],
    [['--virtual', '-5'], /--virtual must be a non-negative integer/],
    [['--virtual', '100', '--seed', '1.5'], /--seed must be an integer/],
    [[PNG, '--ngff', '0.6'], /--ngff must be 0.4 or 0.5/],
    [[PNG, '--bind', '0.0.0.0'], /unknown option --bind/],
  ])('refuses %j', async (argv, message) => {
    await expect(openServeInput(argv as string[])).rejects.toThrow(message);
  });
});

function runServe(args: string[]): {
  done: Promise<{ code: number | null; out: string }>;
  url: Promise<string>;
  kill: () => void;
} {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'sketchpose.mjs'), 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let resolveUrl: (u: string) => void = () => {};
  const url = new Promise<string>((r) => {
    resolveUrl = r;
  });
  const collect = (d: Buffer) => {
    out += d.toString();
    const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) resolveUrl(m[1]!);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const done = new Promise<{ code: number | null; out: string }>((r) =>
    child.on('exit', (code) => r({ code, out })),
  );
  return { done, url, kill: () => child.kill('SIGTERM') };
}

describe('sketchpose serve (the command)', () => {
  it('prints the URL, serves until SIGTERM, then exits 0', async () => {
    const run = runServe([SAMPLE, '--port', '0', '--app-dir', dir]);
    const url = await run.url;
    const info = await (await fetch(`${url}api/info`)).json();
    expect(info.name).toBe('dsb2018-0402a81e75262469');
    run.kill();
    expect((await run.done).code).toBe(0);
  }, 60_000);

  it('reports a port in use with the option to change it (exit code 2)', async () => {
    const store = await openServeInput([SAMPLE]);
    const taken = await startServer({ store: store.store, appDir: dir });
    try {
      const run = runServe([SAMPLE, '--port', String(taken.port)]);
      const { code, out } = await run.done;
      expect(code).toBe(2);
      expect(out).toMatch(new RegExp(`port ${taken.port} on 127.0.0.1 is in use: pass another --port`));
    } finally {
      await taken.close();
    }
  }, 60_000);
});
