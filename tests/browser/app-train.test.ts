/**
 * Training in the worker while painting, in real Chromium on WebGPU (SwiftShader here): a tiny
 * CPnet (widths 4, 8; SwiftShader needs ~25 s for the first step's kernels) trains from the strokes; strokes painted during training reach the trainer without
 * a restart (the annotated-pixel count the worker's sampler reports grows while the step counter
 * keeps going); a viewport prediction comes back and its overlay is drawn.
 */
import { describe, expect, it } from 'vitest';
import { launchAppBrowser, useSampleApp } from './app-harness.ts';
import { circle, openApp, setView, stroke } from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

const app = useSampleApp('0.5');

interface Snapshot {
  status: string;
  backend: string;
  step: number;
  annotated: number;
  predictionStep: number;
  count: number;
  hasLayer: boolean;
}

describe('training in the worker while painting (Chromium, WebGPU)', () => {
  it('uses new strokes without a restart and shows a prediction', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const browser = await launchAppBrowser();
    const t0 = Date.now();
    const laps: string[] = [];
    const lap = (what: string) => laps.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await openApp(
        page,
        `${app.server.url}?net=4,8&patch=32&batch=1&predictEvery=2&predictMaxSide=64&backend=webgpu`,
      );
      await setView(page, 130, 140, 1);
      const snap = () =>
        page.evaluate((): Snapshot => {
          const h = window.sketchpose!;
          const s = h.state.get();
          return {
            status: s.training.status,
            backend: s.training.backend,
            step: s.training.progress?.step ?? 0,
            annotated: s.training.progress?.annotatedPixels ?? 0,
            predictionStep: s.prediction.step,
            count: s.prediction.count,
            hasLayer: (h.deck.props.layers as { id: string }[]).some((l) => l.id === 'sketchpose-prediction'),
          };
        });

      // a few strokes: background around, cells on two nuclei-sized discs
      await page.click('sketchpose-tool-palette button[data-tool=background]');
      await stroke(page, [
        [60, 30],
        [200, 30],
      ]);
      await page.click('sketchpose-tool-palette button[data-tool=cell]');
      await stroke(page, circle(120, 120, 6, 8), 1);

      lap('painted');
      await page.fill('sketchpose-training-panel input[data-role=steps]', '30');
      await page.click('sketchpose-training-panel button[data-role=train]');
      await page.waitForFunction(
        () => (window.sketchpose!.state.get().training.progress?.step ?? 0) >= 2,
        undefined,
        {
          timeout: 120_000,
        },
      );
      const first = await snap();
      lap('step 2');
      expect(first.backend).toBe('webgpu');
      expect(first.status).toBe('running');

      // paint more while it trains
      await page.click('sketchpose-tool-palette button[data-tool=cell]');
      await stroke(page, circle(170, 200, 8, 8), 1);
      await page.click('sketchpose-tool-palette button[data-tool=background]');
      await stroke(page, [
        [60, 250],
        [200, 250],
      ]);
      await page.waitForFunction(
        (a) => (window.sketchpose!.state.get().training.progress?.annotatedPixels ?? 0) > a,
        first.annotated,
        { timeout: 120_000 },
      );
      const later = await snap();
      lap('new strokes used');
      console.log(
        `annotated pixels seen by the trainer: ${first.annotated} at step ${first.step} → ${later.annotated} at step ${later.step} (${later.status})`,
      );
      expect(later.annotated).toBeGreaterThan(first.annotated);
      expect(later.step).toBeGreaterThan(first.step);
      expect(later.status).toBe('running'); // same run, no restart

      await page.waitForFunction(() => window.sketchpose!.state.get().prediction.step > 0, undefined, {
        timeout: 120_000,
      });
      lap('prediction');
      await page.click('sketchpose-training-panel button[data-role=stop]');
      await page.waitForFunction(() => window.sketchpose!.state.get().training.status === 'idle', undefined, {
        timeout: 120_000,
      });
      const end = await snap();
      lap('stopped');
      console.log(laps.join(', '));
      console.log(
        `prediction at step ${end.predictionStep}: ${end.count} objects; training ${end.status} at step ${end.step}`,
      );
      expect(end.hasLayer).toBe(true);
      expect(await page.locator('sketchpose-training-panel [data-role=progress]').textContent()).toContain(
        'annotated px',
      );
      expect(
        await page.locator('sketchpose-training-panel [data-role=prediction-status]').textContent(),
      ).toContain('prediction at step');
      expect(
        await page.locator('sketchpose-training-panel [data-role=loss-plot] polyline').count(),
      ).toBeGreaterThan(1);
      expect(errors).toEqual([]);
    } catch (err) {
      console.log(laps.join(', '));
      throw err;
    } finally {
      await browser.close();
    }
  }, 300_000);
});
