/**
 * The real network trains on WebGPU in Chromium: three RAdam steps of the small CPnet with the
 * six-term Sketchpose loss on `webgpu` (SwiftShader here) agree with `cpu`: losses to 1e-2
 * relative, output-layer weights to 1e-3 absolute (whole-network gradients differ by 1e-3-1e-2
 * across these backends, ECOSYSTEM.md §9).
 */
import { describe, expect, it } from 'vitest';
import { bundle, chromiumAvailable, launchChromium, serve } from './harness.ts';

interface Run {
  losses: number[];
  weights: number[];
}

describe('CPnet training on WebGPU in Chromium', () => {
  it('matches the cpu backend', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const server = await serve(await bundle(new URL('./cpnet-webgpu.entry.ts', import.meta.url).pathname));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => typeof window.runCpnetWebgpu === 'function', undefined, {
        timeout: 60_000,
      });
      const r = (await page.evaluate(() => window.runCpnetWebgpu())) as {
        error?: string;
        gpu: Run;
        cpu: Run;
        gpuMs: number;
      };
      expect(r.error).toBeUndefined();
      console.log(
        `CPnet small, 3 steps of 2×32²: webgpu losses ${r.gpu.losses.map((l) => l.toFixed(4))}, cpu ${r.cpu.losses.map((l) => l.toFixed(4))}; webgpu took ${r.gpuMs.toFixed(0)} ms`,
      );
      for (const [i, l] of r.gpu.losses.entries()) {
        expect(Math.abs(l - r.cpu.losses[i]!) / Math.abs(r.cpu.losses[i]!)).toBeLessThan(1e-2);
      }
      const diff = Math.max(...r.gpu.weights.map((w, i) => Math.abs(w - r.cpu.weights[i]!)));
      expect(diff).toBeLessThan(1e-3);
      expect(r.gpu.losses[2]!).toBeLessThan(r.gpu.losses[0]!);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 240_000);
});
