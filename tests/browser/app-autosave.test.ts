/**
 * Autosave and reload in real Chromium: strokes painted with real mouse events are written into
 * the store's `labels/annotations` (only label chunks and metadata are PUT); once the panel shows
 * everything acknowledged, killing the page and opening it again restores every acknowledged
 * stroke exactly (0 pixels lost), and the files on disk read back with the engine's loader agree.
 */
import { describe, expect, it } from 'vitest';
import { loadAnnotations } from '../../src/engine/annotations/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import { launchAppBrowser, useSampleApp } from './app-harness.ts';
import { circle, codesWindow, openApp, setView, stroke } from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

const app = useSampleApp('0.4');

describe('autosave into labels/annotations (Chromium)', () => {
  it('restores every acknowledged stroke after the page is killed', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    try {
      let page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      await openApp(page, app.server.url);
      await setView(page, 130, 140, 1);
      await page.click('sketchpose-tool-palette button[data-tool=background]');
      await stroke(page, [
        [50, 30],
        [210, 60],
      ]);
      await page.click('sketchpose-tool-palette button[data-tool=cell]');
      await stroke(page, circle(100, 150, 20, 16), 2);
      await page.click('sketchpose-tool-palette button[data-tool=boundary]');
      await stroke(page, [
        [40.5, 240.5],
        [200.5, 200.5],
      ]);
      await page.click('sketchpose-tool-palette button[data-tool=eraser]');
      await stroke(page, [
        [120, 20],
        [120, 70],
      ]);
      // acknowledged: the panel says so
      await page.waitForSelector('sketchpose-export-panel [data-role=save-status][data-save=idle]', {
        timeout: 30_000,
      });
      const acked = await codesWindow(page, 0, 0, 512, 512);
      const painted = acked.filter((v) => v !== 0).length;

      // one more stroke in an untouched area, then kill the page without waiting
      await page.click('sketchpose-tool-palette button[data-tool=cell]');
      await stroke(page, circle(190, 200, 10, 8), 1);
      await page.close({ runBeforeUnload: false });

      page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      await openApp(page, app.server.url);
      const reopened = await codesWindow(page, 0, 0, 512, 512);
      let lost = 0;
      let extra = 0;
      for (let i = 0; i < acked.length; i++) {
        const r = Math.floor(i / 512);
        const c = i % 512;
        const inLastStroke = (r - 200) ** 2 + (c - 190) ** 2 <= 15 ** 2;
        if (inLastStroke) {
          if (reopened[i] !== acked[i]) extra++;
        } else if (reopened[i] !== acked[i]) lost++;
      }
      console.log(
        `acknowledged painted pixels ${painted}; after kill + reopen: ${lost} differ outside the last stroke, ${extra} pixels of the unacknowledged last stroke survived; PUTs ${app.server.puts.length}`,
      );
      expect(painted).toBeGreaterThan(1000);
      expect(lost).toBe(0);
      // the reload read only the listed chunks (as on `sketchpose serve`)
      expect(app.server.apiCalls).toContain('/api/labels/annotations/chunks');
      expect(app.server.puts.length).toBeGreaterThan(0);
      expect(app.server.puts.every((k) => k.replace(/^DELETE /, '').startsWith('/labels/'))).toBe(true);

      // the files on disk are a valid label image holding the same codes
      const fromDisk = await loadAnnotations(new FileSystemStore(app.storeDir));
      const disk = Array.from(fromDisk.readWindow(0, 0, 512, 512).data);
      expect(disk).toEqual(reopened);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
