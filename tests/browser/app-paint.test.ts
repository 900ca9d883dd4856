/**
 * The viewer in real Chromium: every tool driven by real mouse and keyboard events lands in the
 * annotation store exactly (background and cell brushes, the 1-px boundary, eraser, brush size,
 * undo/redo, double-click closing a cell stroke, space-drag panning without painting), and the
 * pixels on screen agree with the store:
 * every sampled image pixel of the painted region shows its code's colour (image layer hidden,
 * annotation opacity 1).
 */
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { CODE_COLORS } from '../../src/engine/targets/codes.ts';
import { launchAppBrowser, useSampleApp } from './app-harness.ts';
import {
  circle,
  codeAt,
  codesWindow,
  frames,
  openApp,
  setView,
  stroke,
  toPage,
  toPageLinear,
} from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

const app = useSampleApp('0.4');

describe('viewer paint tools in Chromium', () => {
  it('paints each class with real mouse events, undoes/redoes, closes a stroke, and the screen shows the store', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await openApp(page, app.server.url);
      // zoom 1: one image pixel = 2×2 screen pixels; image cols ~32-228 and rows ~10-270 on screen
      await setView(page, 130, 140, 1);

      // background brush, radius 4 → 6 with ']' twice
      await page.click('sketchpose-tool-palette button[data-tool=background]');
      await page.focus('.sketchpose-view');
      await page.keyboard.press(']');
      await page.keyboard.press(']');
      expect(await page.evaluate(() => window.sketchpose!.state.get().brushRadius)).toBe(6);
      await stroke(page, [
        [40, 40],
        [110, 40],
      ]);
      expect(await codeAt(page, 40, 40)).toBe(1);
      expect(await codeAt(page, 40, 110)).toBe(1);
      expect(await codeAt(page, 45, 75)).toBe(1); // within the radius
      expect(await codeAt(page, 48, 75)).toBe(0); // beyond it
      // cell brush (key C), a closed ring of radius 25 around (150, 150)
      await page.keyboard.press('c');
      await page.keyboard.press('[');
      await page.keyboard.press('[');
      await page.keyboard.press('[');
      expect(await page.evaluate(() => window.sketchpose!.state.get().brushRadius)).toBe(3);
      await stroke(page, circle(150, 150, 25, 24), 2);
      expect(await codeAt(page, 150, 175)).toBe(2);
      expect(await codeAt(page, 150, 150)).toBe(0); // the hole, before closing
      // boundary (key L): a 1-px line along row 220
      await page.keyboard.press('l');
      await stroke(page, [
        [40.5, 220.5],
        [120.5, 220.5],
      ]);
      const line = await codesWindow(page, 219, 40, 3, 81);
      expect(line.slice(81, 162).every((v) => v === 3)).toBe(true);
      expect(line.slice(0, 81).every((v) => v === 0)).toBe(true);
      expect(line.slice(162).every((v) => v === 0)).toBe(true);
      // eraser (key E) across the background stroke
      await page.keyboard.press('e');
      await stroke(page, [
        [75, 30],
        [75, 50],
      ]);
      expect(await codeAt(page, 40, 75)).toBe(0);
      expect(await codeAt(page, 40, 50)).toBe(1);

      // undo restores the erased pixels, redo erases them again
      await page.keyboard.press('Control+z');
      expect(await codeAt(page, 40, 75)).toBe(1);
      await page.keyboard.press('Control+Shift+z');
      expect(await codeAt(page, 40, 75)).toBe(0);
      await page.click('sketchpose-tool-palette button[data-role=undo]');
      expect(await codeAt(page, 40, 75)).toBe(1);
      await page.click('sketchpose-tool-palette button[data-role=redo]');
      expect(await codeAt(page, 40, 75)).toBe(0);
      // double-click the ring with the cell tool: hole → cell, outer ring → boundary
      await page.click('sketchpose-tool-palette button[data-tool=cell]');
      const [ring] = await toPage(page, [[175.5, 150.5]]);
      await page.mouse.dblclick(ring![0], ring![1]);
      expect(await codeAt(page, 150, 150)).toBe(2);
      const outer = await codesWindow(page, 150, 176, 1, 6);
      expect(outer).toContain(3);
      const before = await codesWindow(page, 100, 100, 100, 100);
      await page.keyboard.press('Control+z');
      expect(await codeAt(page, 150, 150)).toBe(0);
      await page.keyboard.press('Control+Shift+z');
      expect(await codesWindow(page, 100, 100, 100, 100)).toEqual(before);

      // space + drag pans instead of painting: the view moves by the drag, the store is unchanged
      const centre = () =>
        page.evaluate(() => {
          const vp = window.sketchpose!.deck.getViewports()[0]!;
          return vp.unproject([vp.width / 2, vp.height / 2]) as [number, number];
        });
      const all = await codesWindow(page, 0, 0, 512, 512);
      const c0 = await centre();
      const [a0] = await toPage(page, [[120, 120]]);
      await page.keyboard.down(' ');
      await page.mouse.move(a0![0], a0![1]);
      await page.mouse.down();
      await page.mouse.move(a0![0] + 40, a0![1] + 20, { steps: 4 });
      await page.mouse.up();
      await page.keyboard.up(' ');
      const c1 = await centre();
      // 40×20 screen px at zoom 1 = 20×10 image px, less the few px deck's pan gesture needs to start;
      // the view moves opposite to the drag
      expect(c1[0] - c0[0]).toBeLessThan(-10);
      expect(c1[0] - c0[0]).toBeGreaterThanOrEqual(-20.5);
      expect(c1[1] - c0[1]).toBeLessThan(-3);
      expect(c1[1] - c0[1]).toBeGreaterThanOrEqual(-10.5);
      expect(await codesWindow(page, 0, 0, 512, 512)).toEqual(all);
      await setView(page, 130, 140, 1);
      // the screen agrees with the store: hide the image, annotations at full opacity
      await page.click('sketchpose-layer-panel input[data-layer=image]');
      await page.evaluate(() => {
        const el = document
          .querySelector('sketchpose-layer-panel')!
          .shadowRoot!.querySelector('input[data-opacity=annotations]') as HTMLInputElement;
        el.value = '1';
        el.dispatchEvent(new Event('input'));
      });
      await page.mouse.move(5, 515); // cursor off the painted region
      await frames(page, 4);
      const png = decode(await page.screenshot());
      const region = { row0: 20, col0: 36, rows: 220, cols: 180 };
      const codes = await codesWindow(page, region.row0, region.col0, region.rows, region.cols);
      const centres: [number, number][] = [];
      for (let r = 0; r < region.rows; r++) {
        for (let c = 0; c < region.cols; c++) centres.push([region.col0 + c + 0.5, region.row0 + r + 0.5]);
      }
      const screen = await toPageLinear(page, centres);
      const palette = [[0, 0, 0], ...CODE_COLORS.map((k) => k.rgba.slice(0, 3))];
      const counts = [0, 0, 0, 0];
      let mismatches = 0;
      screen.forEach(([sx, sy], i) => {
        const o = (Math.floor(sy) * png.width + Math.floor(sx)) * png.channels;
        const px = [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
        let best = 0;
        let bestD = Number.POSITIVE_INFINITY;
        palette.forEach((p, k) => {
          const d = (p[0]! - px[0]!) ** 2 + (p[1]! - px[1]!) ** 2 + (p[2]! - px[2]!) ** 2;
          if (d < bestD) {
            bestD = d;
            best = k;
          }
        });
        counts[codes[i]!]!++;
        if (best !== codes[i]) mismatches++;
      });
      console.log(
        `screen vs store over ${codes.length} pixels (codes 0-3: ${counts.join(', ')}): ${mismatches} mismatches`,
      );
      expect(counts[1]).toBeGreaterThan(500);
      expect(counts[2]).toBeGreaterThan(500);
      expect(counts[3]).toBeGreaterThan(100);
      expect(mismatches).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
