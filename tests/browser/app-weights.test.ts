/**
 * Weights in the viewer (Chromium, wasm backend): starting from an Omnipose `.pth` (the small
 * CPnet fixture, read by the engine's safe pickle reader in the worker) replaces the network, and
 * exporting gives our weights.json + weights.bin with the same configuration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchAppBrowser, ROOT, useSampleApp } from './app-harness.ts';
import { openApp } from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

const app = useSampleApp('0.4');

describe('weights in the viewer (Chromium)', () => {
  it('starts from an Omnipose .pth and exports our weight format', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 520 }, acceptDownloads: true });
      await openApp(page, `${app.server.url}?backend=wasm`);
      await page.setInputFiles(
        'sketchpose-training-panel input[data-role=weights]',
        join(ROOT, 'tests/fixtures/cpnet/small.pth'),
      );
      const message = page.locator('sketchpose-training-panel [data-role=train-message]');
      await expect
        .poll(async () => (await message.textContent()) ?? '', { timeout: 60_000 })
        .toContain('initialised from small.pth (widths 8, 16, 32, 64)');
      const downloads: Record<string, Buffer> = {};
      page.on('download', async (d) => {
        downloads[d.suggestedFilename()] = readFileSync(await d.path());
      });
      await page.click('sketchpose-training-panel button[data-role=export-weights]');
      await expect
        .poll(() => Object.keys(downloads).sort(), { timeout: 30_000 })
        .toEqual(['weights.bin', 'weights.json']);
      const manifest = JSON.parse(downloads['weights.json']!.toString('utf8'));
      expect(manifest.config.widths).toEqual([8, 16, 32, 64]);
      const bytes = manifest.tensors.reduce((s: number, t: { length: number }) => s + t.length, 0);
      expect(downloads['weights.bin']!.length).toBe(bytes);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
