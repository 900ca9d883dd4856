/**
 * Paint latency of the viewer in Chromium: pointer event → the end of the deck.gl frame that draws
 * it, p50/p95 over 500 pointer moves of a cell stroke on a 4096² image (5-level pyramid, zoom 0:
 * one image pixel per screen pixel, a 1000×700 page), without training and with the worker training
 * (small CPnet). Pointer events are dispatched in the page every 16 ms (a 60 Hz mouse); each
 * event's latency is `onAfterRender time − event.timeStamp` of the first frame drawn after the
 * store changed. The compositor's presentation after that is not included.
 *
 *   npx tsx bench/ui/paint-latency.ts [--backend wasm|webgpu|webgl] [--events 500]
 */
import { rmSync } from 'node:fs';
import {
  ensureBuilt,
  launchAppBrowser,
  sampleImage,
  serveApp,
  writeOmeZarr,
} from '../../tests/browser/app-harness.ts';
import { openApp, setView } from '../../tests/browser/app-page.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const backend = opt('backend', 'wasm');
const events = Number(opt('events', '500'));

function tile4096(base: { data: Uint8Array; shape: [number, number] }) {
  const [h, w] = base.shape;
  const N = 4096;
  const data = new Uint8Array(N * N);
  for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) data[r * N + c] = base.data[(r % h) * w + (c % w)]!;
  return { data, shape: [N, N] as [number, number] };
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

ensureBuilt();
const dir = writeOmeZarr({ ngff: '0.4', chunk: 256, levels: 5, image: tile4096(await sampleImage()) });
const server = await serveApp(dir);
const browser = await launchAppBrowser();
const results: Record<
  string,
  { p50: number; p95: number; max: number; n: number; steps?: number; draw: number; handler: number }
> = {};
try {
  for (const training of [false, true]) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    // tsx keeps function names with an __name helper that evaluated functions need in the page
    await page.addInitScript('window.__name = (f) => f');
    await openApp(page, `${server.url}?net=small&patch=64&batch=2&predictEvery=0&backend=${backend}`);
    await setView(page, 2048, 2048, 0);
    await page.waitForTimeout(2000);
    let steps: number | undefined;
    if (training) {
      // strokes to train on, then training in the worker until the first step is done
      await page.evaluate(() => {
        const a = window.sketchpose!.annotations();
        a.paintStroke(
          [
            { x: 1900, y: 1900 },
            { x: 2100, y: 1900 },
          ],
          { code: 1, radius: 6 },
        );
        a.paintStroke([{ x: 2000, y: 2000 }], { code: 2, radius: 8 });
        window.sketchpose!.session.train(100_000);
      });
      await page.waitForFunction(
        () => (window.sketchpose!.state.get().training.progress?.step ?? 0) >= 1,
        undefined,
        {
          timeout: 600_000,
        },
      );
      steps = await page.evaluate(() => window.sketchpose!.state.get().training.progress!.step);
    }
    // frames the page gets at all (compositor + GPU process pacing), with nothing changing
    const rafPerSecond = await page.evaluate(async () => {
      let frames = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 2000) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        frames++;
      }
      return frames / ((performance.now() - t0) / 1000);
    });
    console.log(
      `${training ? 'training' : 'idle'}: ${rafPerSecond.toFixed(1)} animation frames/s before painting`,
    );
    const timing = await page.evaluate(async (n) => {
      const h = window.sketchpose!;
      const view = document.querySelector('.sketchpose-view') as HTMLElement;
      const rect = view.getBoundingClientRect();
      const pending: number[] = [];
      const out: number[] = [];
      let changed = false;
      h.annotations().onChange(() => {
        changed = true;
      });
      const renderMs: number[] = [];
      const handlerMs: number[] = [];
      let renderStart = 0;
      h.deck.setProps({
        onBeforeRender: () => {
          renderStart = performance.now();
        },
        onAfterRender: () => {
          renderMs.push(performance.now() - renderStart);
          if (!changed) return;
          changed = false;
          const now = performance.now();
          for (const t of pending) out.push(now - t);
          pending.length = 0;
        },
      });
      const fire = (type: string, i: number) => {
        const x = rect.left + 150 + ((i * 7) % 600);
        const y = rect.top + 150 + Math.floor(i / 86) * 20;
        const e = new PointerEvent(type, {
          clientX: x,
          clientY: y,
          pointerId: 1,
          button: 0,
          buttons: 1,
          bubbles: true,
          pointerType: 'mouse',
        });
        pending.push(e.timeStamp);
        const t = performance.now();
        view.dispatchEvent(e);
        handlerMs.push(performance.now() - t);
      };
      fire('pointerdown', 0);
      for (let i = 1; i < n; i++) {
        await new Promise((r) => setTimeout(r, 16));
        fire('pointermove', i);
      }
      await new Promise((r) => setTimeout(r, 500));
      fire('pointerup', n);
      const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
      return {
        out: out.slice(0, n),
        renderMedian: med(renderMs),
        frames: renderMs.length,
        handlerMedian: med(handlerMs),
      };
    }, events);
    console.log(
      `${training ? 'training' : 'idle'}: deck draw median ${timing.renderMedian.toFixed(1)} ms over ${timing.frames} frames; pointer handler median ${timing.handlerMedian.toFixed(2)} ms`,
    );
    const latencies = timing.out;
    if (training) {
      steps = (await page.evaluate(() => window.sketchpose!.state.get().training.progress!.step)) - steps!;
      await page.evaluate(() => window.sketchpose!.session.worker?.stop());
    }
    const key = training ? `training (${backend})` : 'idle';
    results[key] = {
      p50: pct(latencies, 50),
      p95: pct(latencies, 95),
      max: Math.max(...latencies),
      n: latencies.length,
      steps,
      draw: timing.renderMedian,
      handler: timing.handlerMedian,
    };
    console.log(key, JSON.stringify(results[key]));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  '\n| case | events | p50 (ms) | p95 (ms) | max (ms) | deck draw median (ms) | handler median (ms) | training steps during the run |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [k, r] of Object.entries(results)) {
  console.log(
    `| ${k} | ${r.n} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.draw.toFixed(1)} | ${r.handler.toFixed(2)} | ${r.steps ?? '-'} |`,
  );
}
