/**
 * Memory and speed of the tiled annotation store on a virtual 100,000 × 100,000 canvas:
 *   node --expose-gc --import tsx bench/annotations/run.ts
 * Paints clustered strokes (as a user works region by region), then reports allocated tiles,
 * tile bytes, history bytes, the V8 heap growth, and time per stroke, undo and window read.
 */
import { AnnotationStore } from '../../src/engine/annotations/index.ts';
import { Random } from '../../src/engine/random.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rng = new Random(2026);
gc();
const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const store = new AnnotationStore({ shape: [100_000, 100_000], tileSize: 256 });
const strokes = 2000;
const t0 = performance.now();
for (let k = 0; k < strokes; k++) {
  // 20 regions of interest, 100 strokes each
  const region = Math.floor(k / 100);
  const cx = 5_000 + region * 4_500 + rng.uniform(0, 800);
  const cy = 50_000 + rng.uniform(-400, 400);
  const pts = Array.from({ length: 8 }, (_, i) => ({
    x: cx + i * rng.uniform(2, 8),
    y: cy + rng.uniform(-10, 10),
  }));
  if (k % 10 === 9) store.drawBoundary(pts);
  else store.paintStroke(pts, { code: 1 + (k % 2), radius: rng.uniform(2, 12) });
}
const tPaint = (performance.now() - t0) / strokes;
gc();
const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const t1 = performance.now();
for (let k = 0; k < 100; k++) store.undo();
const tUndo = (performance.now() - t1) / 100;
const t2 = performance.now();
for (let k = 0; k < 100; k++) store.readWindow(50_000 - 144, 5_000 + k * 100, 288, 288);
const tRead = (performance.now() - t2) / 100;
console.log(`canvas 100,000 × 100,000 (dense: 10,000,000,000 bytes), ${strokes} strokes in 20 regions`);
console.log(`tiles allocated: ${store.tiles().length} of ${391 * 391}`);
console.log(
  `tile bytes: ${(store.allocatedBytes / 2 ** 20).toFixed(1)} MiB; history: ${(store.historyBytes / 2 ** 20).toFixed(2)} MiB`,
);
console.log(`heap + array buffers growth: ${((heap1 - heap0) / 2 ** 20).toFixed(1)} MiB`);
console.log(
  `per stroke ${tPaint.toFixed(3)} ms, per undo ${tUndo.toFixed(3)} ms, per 288² window read ${tRead.toFixed(3)} ms`,
);
