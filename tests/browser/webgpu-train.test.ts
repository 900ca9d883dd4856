/**
 * Proves the WebGPU training path in real Chromium: three SGD steps of a small conv net on the
 * `webgpu` backend agree with the `cpu` backend (losses to 1e-3 relative, weights to 1e-3 absolute;
 * ECOSYSTEM.md §9 saw whole-network gradients differ by 1e-3-1e-2 between these backends).
 */
import { describe, expect, it } from 'vitest';
import { bundle, chromiumAvailable, launchChromium, serve } from './harness.ts';

interface Result {
  error?: string;
  adapter: { vendor: string; architecture: string };
  gpu: { losses: number[]; weights: number[] };
  cpu: { losses: number[]; weights: number[] };
  resizeGap: number;
}

describe('WebGPU training in Chromium', () => {
  it('trains on webgpu and matches cpu', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const script = await bundle(new URL('./webgpu-train.entry.ts', import.meta.url).pathname);
    const server = await serve(script);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => typeof window.runWebgpuTraining === 'function');
      const result = (await page.evaluate(() => window.runWebgpuTraining())) as Result;
      expect(result.error).toBeUndefined();
      console.log(
        `WebGPU adapter: ${JSON.stringify(result.adapter)}; losses gpu ${result.gpu.losses.map((l) => l.toFixed(5))} cpu ${result.cpu.losses.map((l) => l.toFixed(5))}`,
      );
      result.gpu.losses.forEach((l, i) => {
        expect(Math.abs(l - result.cpu.losses[i]!) / Math.abs(result.cpu.losses[i]!)).toBeLessThan(1e-3);
      });
      expect(result.gpu.losses[2]!).toBeLessThan(result.gpu.losses[0]!);
      const maxDiff = Math.max(...result.gpu.weights.map((w, i) => Math.abs(w - result.cpu.weights[i]!)));
      expect(maxDiff).toBeLessThan(1e-3);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
