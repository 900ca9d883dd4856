/**
 * "Save masks": the current view's predicted instance masks written into the store's
 * `labels/masks` (uint32, chunked like the annotations, full resolution; a coarser-level prediction
 * is upsampled by nearest neighbour). Only the chunks under the predicted window are written; each
 * is replaced whole (pixels of it outside the window become 0), so the label image holds the masks
 * of the last saved view there. Whole-slide segmentation is `sketchpose segment`.
 */
import { createLabelImage, type NgffVersion, type WritableStore } from '../engine/io/index.ts';
import type { ViewportPrediction } from '../layers/prediction-colors.ts';

export async function saveViewMasks(
  store: WritableStore,
  p: ViewportPrediction,
  options: { shape: [number, number]; tileSize: number; ngff: NgffVersion },
): Promise<{ chunks: number; count: number }> {
  if (!p.labels) return { chunks: 0, count: 0 };
  const [rows, cols] = options.shape;
  const s = options.tileSize;
  const f = 2 ** p.level;
  const [ph, pw] = p.shape;
  const writer = await createLabelImage(store, {
    name: 'masks',
    shape: [rows, cols],
    chunks: [s, s],
    dtype: 'uint32',
    ngff: options.ngff,
  });
  const r1 = Math.min(rows, p.row0 + ph * f);
  const c1 = Math.min(cols, p.col0 + pw * f);
  let chunks = 0;
  for (let tr = Math.floor(p.row0 / s); tr * s < r1; tr++) {
    for (let tc = Math.floor(p.col0 / s); tc * s < c1; tc++) {
      const h = Math.min(s, rows - tr * s);
      const w = Math.min(s, cols - tc * s);
      const out = new Uint32Array(h * w);
      for (let y = 0; y < h; y++) {
        const py = Math.floor((tr * s + y - p.row0) / f);
        if (py < 0 || py >= ph) continue;
        for (let x = 0; x < w; x++) {
          const px = Math.floor((tc * s + x - p.col0) / f);
          if (px >= 0 && px < pw) out[y * w + x] = p.labels[py * pw + px]!;
        }
      }
      await writer.writeChunk(tr, tc, { data: out, shape: [h, w] });
      chunks++;
    }
  }
  await writer.finish();
  return { chunks, count: p.count };
}
