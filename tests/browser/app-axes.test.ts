/**
 * A `[c, z, y, x]` image (NGFF 0.5, 2 channels × 3 planes) in real Chromium: the image panel lists
 * both channels and a z slider starting on the middle plane; hiding a channel removes its colour
 * from the screen, and moving the slider shows another plane (brighter here: plane z holds
 * intensity × (z + 1) / 3; channel 1 is the negative).
 */
import { rmSync } from 'node:fs';
import { decode } from 'fast-png';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  ensureBuilt,
  launchAppBrowser,
  sampleImage,
  serveApp,
  writeOmeZarr,
} from './app-harness.ts';
import { frames, openApp, setView, toPage } from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

let server: AppServer;
let storeDir: string;
let bright: [number, number];

beforeAll(async () => {
  ensureBuilt();
  const image = await sampleImage();
  // a mid-bright pixel in a flat 3×3 neighbourhood, below the contrast limit on every plane
  const [h, w] = image.shape;
  let max = 0;
  for (const v of image.data) max = Math.max(max, v);
  const target = 0.3 * max;
  let best = -1;
  for (let r = 1; r < h - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      const v = image.data[r * w + c]!;
      let flat = true;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) flat &&= Math.abs(image.data[(r + dr) * w + c + dc]! - v) <= 2;
      if (flat && (best < 0 || Math.abs(v - target) < Math.abs(image.data[best]! - target))) best = r * w + c;
    }
  }
  bright = [best % w, Math.floor(best / w)];
  storeDir = writeOmeZarr({ ngff: '0.5', chunk: 128, levels: 3, image, planes: { c: 2, z: 3 } });
  server = await serveApp(storeDir);
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

async function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number]> {
  await page.waitForTimeout(800);
  await frames(page, 3);
  const png = decode(await page.screenshot());
  const [[sx, sy]] = (await toPage(page, [[x + 0.5, y + 0.5]])) as [[number, number]];
  const o = (Math.floor(sy) * png.width + Math.floor(sx)) * png.channels;
  return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
}

describe('channels and planes (Chromium)', () => {
  it('shows the chosen channels and z plane', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await openApp(page, server.url);
      expect(await page.evaluate(() => window.sketchpose!.state.get().selection)).toEqual({ z: 1 });
      expect(await page.locator('sketchpose-image-panel input[data-channel]').count()).toBe(2);
      await setView(page, bright[0], bright[1], 2);
      await page.mouse.move(5, 515);

      const both = await pixelAt(page, bright[0], bright[1]);
      await page.click('sketchpose-image-panel input[data-channel="1"]');
      const c0z1 = await pixelAt(page, bright[0], bright[1]);
      await page.evaluate(() => {
        const el = document
          .querySelector('sketchpose-image-panel')!
          .shadowRoot!.querySelector('input[data-axis=z]') as HTMLInputElement;
        el.value = '2';
        el.dispatchEvent(new Event('input'));
      });
      expect(await page.evaluate(() => window.sketchpose!.state.get().selection)).toEqual({ z: 2 });
      const c0z2 = await pixelAt(page, bright[0], bright[1]);
      await page.click('sketchpose-image-panel input[data-channel="0"]');
      await page.click('sketchpose-image-panel input[data-channel="1"]');
      const c1z2 = await pixelAt(page, bright[0], bright[1]);
      console.log(`pixel in a nucleus: both ${both}; c0 z1 ${c0z1}; c0 z2 ${c0z2}; c1 z2 ${c1z2}`);
      // channel 0 is green, channel 1 magenta
      expect(c0z1[0]).toBeLessThan(10);
      expect(c0z1[1]).toBeGreaterThan(20);
      expect(c0z2[1]).toBeGreaterThan(c0z1[1]);
      expect(c1z2[1]).toBeLessThan(10);
      expect(c1z2[0]).toBeGreaterThan(20);
      expect(both[0]).toBeGreaterThanOrEqual(c1z2[0] - 2);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
