/**
 * Saving the view's masks: a level-1 prediction is upsampled to full resolution into
 * `labels/masks` (uint32), only the chunks under the predicted window are stored, and the engine's
 * label reader gets the same ids back.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, openLabelImage } from '../../src/engine/io/index.ts';
import type { ViewportPrediction } from '../../src/layers/prediction-colors.ts';
import { saveViewMasks } from '../../src/plugin/save-masks.ts';

describe('save the view masks into labels/masks', () => {
  it('writes the upsampled labels into the chunks under the window only', async () => {
    const store = new MemoryStore();
    // a 4×4 level-1 window at full-resolution (row 16, col 12): 8×8 full-resolution pixels
    const labels = Int32Array.from([0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 0, 0, 2, 2, 0, 0]);
    const n = 16;
    const p: ViewportPrediction = {
      shape: [4, 4],
      level: 1,
      row0: 16,
      col0: 12,
      distance: new Float32Array(n),
      flow: new Float32Array(2 * n),
      boundary: new Float32Array(n),
      labels,
      count: 2,
      step: 3,
    };
    const r = await saveViewMasks(store, p, { shape: [64, 64], tileSize: 16, ngff: '0.4' });
    expect(r).toEqual({ chunks: 2, count: 2 }); // rows 16-23 × cols 12-19 → chunks (1, 0) and (1, 1)
    const masks = await openLabelImage(store, 'masks');
    expect(masks.dtype).toBe('uint32');
    const w = await masks.readWindow(16, 12, 8, 8);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++)
        expect(w[y * 8 + x]).toBe(labels[Math.floor(y / 2) * 4 + Math.floor(x / 2)]);
    }
    expect(await masks.readChunk(0, 0)).toBeNull();
    expect(await masks.readChunk(3, 3)).toBeNull();
  });
});
