/**
 * Backend fallback is visible: in a Chromium without WebGPU (no `--enable-unsafe-webgpu`), the
 * worker starts on WebGL and the training panel says so, with the reason, instead of failing.
 */
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useSampleApp } from './app-harness.ts';
import { openApp } from './app-page.ts';
import { CHROMIUM, chromiumAvailable } from './harness.ts';

const app = useSampleApp('0.4');

describe('backend fallback notice (Chromium without WebGPU)', () => {
  it('starts the worker on WebGL and says why', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--no-sandbox', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      await openApp(page, app.server.url);
      expect(await page.evaluate(async () => !(await navigator.gpu?.requestAdapter()))).toBe(true);
      await page.click('sketchpose-training-panel button[data-role=predict]');
      const notice = page.locator('sketchpose-training-panel [data-role=backend-notice]');
      await notice.waitFor({ timeout: 60_000 });
      const text = (await notice.textContent()) ?? '';
      console.log(`notice: ${text}`);
      expect(text).toMatch(/WebGPU is not available here: training on webgl instead/);
      expect(text).toMatch(/webgpu unavailable: navigator.gpu/);
      expect(await page.evaluate(() => window.sketchpose!.state.get().training.backend)).toBe('webgl');
    } finally {
      await browser.close();
    }
  }, 90_000);
});
