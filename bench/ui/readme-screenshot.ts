/**
 * The README's viewer screenshot: the bundled sample (examples/, DSB2018, CC0) in the built app,
 * strokes of each class painted with real mouse events, a few training steps of the small network
 * on wasm and the predicted masks of the view. Writes docs/images/viewer.png.
 *
 *   npx tsx bench/ui/readme-screenshot.ts
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, launchAppBrowser, ROOT, serveApp } from '../../tests/browser/app-harness.ts';
import { circle, openApp, stroke } from '../../tests/browser/app-page.ts';

ensureBuilt();
const dir = mkdtempSync(join(tmpdir(), 'sketchpose-shot-'));
cpSync(join(ROOT, 'examples', 'dsb2018-0402a81e75262469.ome.zarr'), dir, { recursive: true });
rmSync(join(dir, 'labels'), { recursive: true, force: true });
const server = await serveApp(dir);
const browser = await launchAppBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.addInitScript('window.__name = (f) => f');
  await openApp(page, `${server.url}?net=small&patch=64&batch=2&predictEvery=10&backend=wasm`);
  const shape = await page.evaluate(() => window.sketchpose!.annotations().shape);
  const [h, w] = shape;
  await page.click('sketchpose-tool-palette button[data-tool=background]');
  await stroke(page, [
    [w * 0.1, h * 0.1],
    [w * 0.45, h * 0.12],
    [w * 0.6, h * 0.3],
  ]);
  await page.click('sketchpose-tool-palette button[data-tool=cell]');
  await stroke(page, circle(w * 0.5, h * 0.55, Math.min(w, h) * 0.03, 10), 2);
  await stroke(page, circle(w * 0.3, h * 0.7, Math.min(w, h) * 0.025, 10), 2);
  await page.click('sketchpose-tool-palette button[data-tool=boundary]');
  await stroke(page, [
    [w * 0.7, h * 0.6],
    [w * 0.8, h * 0.7],
  ]);
  await page.fill('sketchpose-training-panel input[data-role=steps]', '10');
  await page.click('sketchpose-training-panel button[data-role=train]');
  await page.waitForFunction(() => window.sketchpose!.state.get().prediction.step >= 10, undefined, {
    timeout: 300_000,
  });
  await page.waitForTimeout(1500);
  mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs', 'images', 'viewer.png') });
  console.log('wrote docs/images/viewer.png');
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
