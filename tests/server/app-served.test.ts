/**
 * The real server with the real app in Chromium: `sketchpose serve`'s headers (COOP/COEP, content
 * types) let the bundled app mount on the bundled sample and on the virtual 100,000² slide;
 * strokes autosave through `PUT /store/labels/…` into the store on disk (or the virtual slide's
 * labels folder) and a reload restores them exactly.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/http-server.ts';
import { openDirectoryStore, openVirtualStore } from '../../src/server/served-store.ts';
import { ensureBuilt, launchAppBrowser, ROOT } from '../browser/app-harness.ts';

const SAMPLE = join(ROOT, 'examples', 'dsb2018-0402a81e75262469.ome.zarr');

let dir: string;
let APP: string;
let browser: Browser;
beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'sketchpose-app-served-'));
  // a private copy, so another test file rebuilding dist/app meanwhile cannot change it under us
  APP = join(dir, 'app');
  await cp(join(ROOT, 'dist', 'app'), APP, { recursive: true });
  browser = await launchAppBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function mount(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.sketchpose || window.sketchposeError, undefined, {
    timeout: 60_000,
  });
  const err = await page.evaluate(() => window.sketchposeError);
  if (err) throw new Error(`the app failed to mount: ${err}`);
}

/** Paint a cell stroke at image (row, col) through the app's store, wait for autosave, return its code. */
async function paintAndFlush(page: Page, row: number, col: number): Promise<number> {
  return page.evaluate(
    async ([r, c]) => {
      const h = window.sketchpose!;
      h.annotations().paintStroke(
        [
          { x: c!, y: r! },
          { x: c! + 6, y: r! },
        ],
        { code: 2, radius: 3 },
      );
      await h.flush();
      return h.annotations().get(r!, c! + 3);
    },
    [row, col],
  );
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe('the app on the real server', () => {
  it('mounts on the bundled sample, is cross-origin isolated, autosaves into labels/ and restores on reload', async () => {
    const storeDir = join(dir, 'sample.ome.zarr');
    await cp(SAMPLE, storeDir, { recursive: true });
    await rm(join(storeDir, 'labels'), { recursive: true, force: true });
    const server: RunningServer = await startServer({
      store: await openDirectoryStore(storeDir),
      appDir: APP,
    });
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (r) => {
      // 404s are zarrita probing for the other Zarr format's metadata and for absent labels
      if (r.status() >= 400 && r.status() !== 404) failed.push(`${r.status()} ${r.url()}`);
    });
    try {
      await mount(page, server.url);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      expect(await paintAndFlush(page, 100, 150)).toBe(2);
      const written = await filesUnder(join(storeDir, 'labels'));
      expect(written.some((f) => f.startsWith('annotations'))).toBe(true);
      await page.reload();
      await mount(page, server.url);
      expect(await page.evaluate(() => window.sketchpose!.annotations().get(100, 153))).toBe(2);
      expect(failed).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 180_000);

  // Reloading is not checked here: the engine's loadAnnotations reads every one of the 38,416
  // label chunks of a 100,000² slide one by one (each a 404), which takes minutes.
  it('mounts on the virtual 100,000² slide; strokes autosave into the labels folder only', async () => {
    const labelsDirectory = join(dir, 'virtual-labels');
    const store = await openVirtualStore({
      size: 100_000,
      seed: 1,
      labelsDirectory,
      cacheBytes: 32 * 2 ** 20,
    });
    const server = await startServer({ store, appDir: APP });
    const page = await browser.newPage();
    try {
      await mount(page, server.url);
      const shape = await page.evaluate(() => window.sketchpose!.annotations().shape);
      expect(shape).toEqual([100_000, 100_000]);
      expect(await paintAndFlush(page, 73_210, 41_877)).toBe(2);
      const written = await filesUnder(labelsDirectory);
      expect(written.length).toBeGreaterThan(0);
      expect(written.every((f) => f.startsWith('labels/'))).toBe(true);
      expect(written).toContain(
        join(
          'labels',
          'annotations',
          '0',
          'c',
          String(Math.floor(73_210 / 512)),
          String(Math.floor(41_877 / 512)),
        ),
      );
    } finally {
      await page.close();
      await server.close();
    }
  }, 180_000);
});
