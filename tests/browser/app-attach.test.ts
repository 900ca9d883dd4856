/**
 * `attachSketchpose` on a host's own Deck (the Vizarr integration point), in real Chromium: real
 * mouse strokes on the host's canvas land in the attached annotation store, the annotation layer
 * joins the host's Viv layer in the deck, and autosave writes `labels/annotations` to the store.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, launchAppBrowser, sampleImage, serveApp, writeOmeZarr } from './app-harness.ts';
import { bundle, chromiumAvailable } from './harness.ts';

let server: AppServer;
let storeDir: string;
let script: string;

beforeAll(async () => {
  storeDir = writeOmeZarr({ ngff: '0.4', chunk: 128, levels: 3, image: await sampleImage() });
  server = await serveApp(storeDir);
  script = await bundle(new URL('./app-attach.entry.ts', import.meta.url).pathname);
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

describe('attachSketchpose on a host Deck (Chromium)', () => {
  it('paints, draws and autosaves through the host deck', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 600 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/host.html', (r) =>
        r.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><script type="module" src="/host.js"></script>',
        }),
      );
      await page.route('**/host.js', (r) => r.fulfill({ contentType: 'text/javascript', body: script }));
      await page.goto(`${server.url}host.html`);
      await page.waitForFunction(() => window.host?.deck.getViewports()[0], undefined, { timeout: 30_000 });
      // zoom 0 centred: image pixel (x, y) is at page (x - 256 + 350, y - 256 + 300)
      const at = (x: number, y: number) => [x - 256 + 350, y - 256 + 300] as const;
      await page.mouse.move(...at(200, 200));
      await page.mouse.down();
      await page.mouse.move(...at(260, 210), { steps: 6 });
      await page.mouse.up();
      const code = await page.evaluate(() => window.host!.session.annotations.get(205, 230));
      expect(code).toBe(2); // the default tool is the cell brush
      const ids = await page.evaluate(() =>
        (window.host!.deck.props.layers as { id: string }[]).map((l) => l.id),
      );
      expect(ids).toContain('host-image');
      expect(ids).toContain('sketchpose-annotations');
      await page.evaluate(() => window.host!.session.autosave!.flush());
      expect(server.puts.some((k) => k.startsWith('/labels/annotations/0/'))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
