import { describe, expect, it } from 'vitest';
import {
  AnnotationStore,
  annotationsToRaster,
  exportAnnotationsImage,
  importAnnotationsImage,
  loadAnnotations,
  saveAnnotations,
  sweepDisc,
  traceLine,
} from '../../src/engine/annotations/index.ts';
import { ShapeError, ValueError } from '../../src/engine/errors.ts';
import { MemoryStore, writePng } from '../../src/engine/io/index.ts';
import { Random } from '../../src/engine/random.ts';
import { BACKGROUND, BOUNDARY, CELL, connectedComponents } from '../../src/engine/targets/index.ts';

function randomPath(rng: Random, rows: number, cols: number, n: number) {
  const pts = [];
  let x = rng.uniform(0, cols);
  let y = rng.uniform(0, rows);
  for (let k = 0; k < n; k++) {
    pts.push({ x, y });
    x += rng.uniform(-30, 30);
    y += rng.uniform(-30, 30);
  }
  return pts;
}

/** Byte equality without vitest's per-element diffing (fast on large rasters). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

function cellComponents(store: AnnotationStore): number {
  const w = annotationsToRaster(store);
  const mask = w.data.map((v) => (v === CELL ? 1 : 0));
  return connectedComponents({ data: mask, shape: w.shape }, 4).count;
}

describe('AnnotationStore', () => {
  it('allocates only touched tiles on a 100,000 × 100,000 canvas', () => {
    const store = new AnnotationStore({ shape: [100_000, 100_000], tileSize: 256 });
    store.paintStroke(
      [
        { x: 50_000, y: 50_000 },
        { x: 50_600, y: 50_100 },
      ],
      { code: CELL, radius: 10 },
    );
    store.paintStroke([{ x: 99_990, y: 5 }], { code: BACKGROUND, radius: 20 });
    store.drawBoundary([
      { x: 50_300.5, y: 49_990 },
      { x: 50_300.5, y: 50_120 },
    ]);
    // the stroke spans columns 49 990..50 610 (3-4 tiles) and rows 49 990..50 110 (1-2 tiles)
    expect(store.tiles().length).toBeLessThanOrEqual(10);
    expect(store.tiles().length).toBeGreaterThanOrEqual(4);
    expect(store.allocatedBytes).toBe(store.tiles().length * 256 * 256);
    console.log(
      `100k² canvas: ${store.tiles().length} tiles, ${store.allocatedBytes} bytes of tiles, ` +
        `${store.historyBytes} bytes of history (dense would be 10^10 bytes)`,
    );
    // reading a window straddling the canvas edge: outside reads as unknown
    const w = store.readWindow(-10, 99_980, 40, 40);
    expect(w.data[0]).toBe(0);
    expect(w.data[15 * 40 + 15]).toBe(BACKGROUND);
    expect(w.data[15 * 40 + 39]).toBe(0); // column 100 009 is beyond the canvas
  });

  it('restores exact bytes through 60 undos and redos of random edits', () => {
    const rng = new Random(42);
    const rows = 600;
    const cols = 700;
    const store = new AnnotationStore({ shape: [rows, cols], tileSize: 128 });
    const states = [annotationsToRaster(store).data];
    for (let k = 0; k < 60; k++) {
      const kind = rng.int(0, 4);
      if (kind <= 2)
        store.paintStroke(randomPath(rng, rows, cols, rng.int(1, 6)), {
          code: kind,
          radius: rng.uniform(1, 15),
        });
      else if (kind === 3) store.drawBoundary(randomPath(rng, rows, cols, rng.int(2, 5)));
      else {
        const w = annotationsToRaster(store).data;
        const i = w.indexOf(CELL);
        if (i >= 0) store.closeCellStroke(Math.floor(i / cols), i % cols);
        else store.paintStroke(randomPath(rng, rows, cols, 2), { code: CELL, radius: 6 });
      }
      const now = annotationsToRaster(store).data;
      const prev = states[states.length - 1]!;
      // edits that changed nothing are not recorded
      if (!now.every((v, i) => v === prev[i])) states.push(now);
    }
    expect(states.length).toBeGreaterThan(40);
    for (let k = states.length - 1; k > 0; k--) {
      expect(store.undo()).toBe(true);
      expect(sameBytes(annotationsToRaster(store).data, states[k - 1]!)).toBe(true);
    }
    expect(store.undo()).toBe(false);
    expect(store.tiles().length).toBe(0); // fully undone: nothing allocated
    for (let k = 1; k < states.length; k++) {
      expect(store.redo()).toBe(true);
      expect(sameBytes(annotationsToRaster(store).data, states[k]!)).toBe(true);
    }
    expect(store.redo()).toBe(false);
  });

  it('bounds the memory of its history', () => {
    const rng = new Random(3);
    const store = new AnnotationStore({ shape: [2048, 2048], tileSize: 256, historyBytes: 20_000 });
    for (let k = 0; k < 200; k++) {
      store.paintStroke(randomPath(rng, 2048, 2048, 4), { code: rng.int(1, 2), radius: rng.uniform(2, 30) });
    }
    expect(store.historyBytes).toBeLessThanOrEqual(20_000 + 70_000); // budget + at most the newest edit
    let undos = 0;
    while (store.undo()) undos++;
    expect(undos).toBeGreaterThan(0);
    expect(undos).toBeLessThan(200);
  });

  it('cuts a cell stroke into two with a 1-px boundary line at any angle', () => {
    const rng = new Random(8);
    for (let k = 0; k < 50; k++) {
      const store = new AnnotationStore({ shape: [120, 120], tileSize: 64 });
      store.paintStroke([{ x: 60, y: 60 }], { code: CELL, radius: 40 });
      const angle = rng.uniform(0, Math.PI);
      const dx = Math.cos(angle) * 80;
      const dy = Math.sin(angle) * 80;
      const cx = rng.uniform(50, 70);
      const cy = rng.uniform(50, 70);
      store.drawBoundary([
        { x: cx - dx, y: cy - dy },
        { x: cx + dx, y: cy + dy },
      ]);
      expect(cellComponents(store)).toBe(2);
    }
  });

  it('traces 4-connected lines and covers exactly the pixels within the brush radius', () => {
    const rng = new Random(9);
    for (let k = 0; k < 200; k++) {
      const pts = randomPath(rng, 50, 50, rng.int(1, 5));
      const visited: [number, number][] = [];
      traceLine(pts, (r, c) => visited.push([r, c]));
      for (let i = 1; i < visited.length; i++) {
        const [r0, c0] = visited[i - 1]!;
        const [r1, c1] = visited[i]!;
        expect(Math.abs(r1 - r0) + Math.abs(c1 - c0)).toBe(1);
      }
      const last = pts[pts.length - 1]!;
      expect(visited[visited.length - 1]).toEqual([Math.floor(last.y), Math.floor(last.x)]);
      // disc sweep vs brute force on pixel centres
      const radius = rng.uniform(0.5, 6);
      const got = new Set<string>();
      sweepDisc(pts, radius, (r, c) => got.add(`${r},${c}`));
      const path = pts.length === 1 ? [pts[0]!, pts[0]!] : pts;
      const xs = path.map((p) => p.x);
      const ys = path.map((p) => p.y);
      const wrong: string[] = [];
      for (let r = Math.floor(Math.min(...ys)) - 8; r < Math.max(...ys) + 8; r++) {
        for (let c = Math.floor(Math.min(...xs)) - 8; c < Math.max(...xs) + 8; c++) {
          let inside = false;
          for (let s = 0; s + 1 < path.length && !inside; s++) {
            const a = path[s]!;
            const b = path[s + 1]!;
            const vx = b.x - a.x;
            const vy = b.y - a.y;
            const l2 = vx * vx + vy * vy;
            const t =
              l2 > 0 ? Math.max(0, Math.min(1, ((c + 0.5 - a.x) * vx + (r + 0.5 - a.y) * vy) / l2)) : 0;
            inside = (c + 0.5 - a.x - t * vx) ** 2 + (r + 0.5 - a.y - t * vy) ** 2 <= radius * radius;
          }
          if (got.has(`${r},${c}`) !== inside) wrong.push(`${r},${c}`);
          got.delete(`${r},${c}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(got.size).toBe(0); // nothing painted outside the checked box
    }
  });

  it('turns a closed cell stroke into a complete object: holes filled, outer ring boundary', () => {
    const store = new AnnotationStore({ shape: [100, 100], tileSize: 64 });
    // a ring drawn as a closed polyline around (50, 50), radius 20, brush radius 2
    const ring = Array.from({ length: 41 }, (_, k) => ({
      x: 50 + 20 * Math.cos((k / 40) * 2 * Math.PI),
      y: 50 + 20 * Math.sin((k / 40) * 2 * Math.PI),
    }));
    store.paintStroke(ring, { code: CELL, radius: 2 });
    // a separate cell stroke outside the ring, and one touching it (that one joins the object)
    store.paintStroke(
      [
        { x: 80, y: 50 },
        { x: 95, y: 50 },
      ],
      { code: CELL, radius: 3 },
    );
    store.paintStroke(
      [
        { x: 50, y: 10 },
        { x: 50, y: 28 },
      ],
      { code: CELL, radius: 1 },
    );
    expect(store.get(50, 50)).toBe(0);
    expect(cellComponents(store)).toBe(2);
    const changed = store.closeCellStroke(30, 50);
    expect(changed).toBeGreaterThan(1000);
    expect(store.get(50, 50)).toBe(CELL);
    expect(store.get(50, 85)).toBe(CELL); // the separate stroke stays cell
    // along row 50 the object is: boundary at its outer edge, cell inside, nothing outside
    const w = annotationsToRaster(store).data;
    const row = Array.from(w.subarray(50 * 100, 51 * 100));
    const first = row.indexOf(BOUNDARY);
    const last = row.lastIndexOf(BOUNDARY, 79);
    expect(first).toBeGreaterThanOrEqual(27);
    expect(first).toBeLessThanOrEqual(29);
    expect(last).toBeGreaterThanOrEqual(71);
    expect(last).toBeLessThanOrEqual(73);
    expect(row.slice(first + 1, last).every((v) => v === CELL)).toBe(true);
    // the interior is cut off by boundary from everything: no cell pixel inside touches outside
    expect(cellComponents(store)).toBe(2);
    expect(store.closeCellStroke(5, 5)).toBe(0);
    expect(store.undo()).toBe(true);
    expect(store.get(50, 50)).toBe(0);
  });

  it('reports the touched tiles on every change', () => {
    const store = new AnnotationStore({ shape: [1000, 1000], tileSize: 256 });
    const seen: string[] = [];
    store.onChange((ch) =>
      seen.push(`${ch.cause}:${ch.tiles.map((t) => `${t.tileRow}/${t.tileCol}`).join(',')}`),
    );
    store.paintStroke(
      [
        { x: 250, y: 10 },
        { x: 260, y: 10 },
      ],
      { code: CELL, radius: 3 },
    );
    store.undo();
    expect(seen[0]).toBe('stroke:0/0,0/1');
    expect(seen[1]).toMatch(/^undo:/);
  });

  it('rejects bad codes, radii and points with typed errors', () => {
    const store = new AnnotationStore({ shape: [10, 10] });
    expect(() => store.paintStroke([{ x: 1, y: 1 }], { code: 4, radius: 1 })).toThrow(ValueError);
    expect(() => store.paintStroke([{ x: 1, y: 1 }], { code: 1, radius: Number.NaN })).toThrow(/radius NaN/);
    expect(() => store.paintStroke([{ x: Number.NaN, y: 1 }], { code: 1, radius: 1 })).toThrow(/not finite/);
    expect(() => new AnnotationStore({ shape: [0, 10] })).toThrow(ShapeError);
  });
});

describe('annotation persistence', () => {
  function sample(): AnnotationStore {
    const rng = new Random(77);
    const store = new AnnotationStore({ shape: [300, 520], tileSize: 128 });
    for (let k = 0; k < 12; k++)
      store.paintStroke(randomPath(rng, 300, 520, 3), { code: rng.int(1, 2), radius: 4 });
    store.drawBoundary(randomPath(rng, 300, 520, 3));
    return store;
  }

  for (const ngff of ['0.4', '0.5'] as const) {
    it(`round-trips exactly through OME-Zarr NGFF ${ngff}, storing only painted tiles`, async () => {
      const store = sample();
      const zarr = new MemoryStore();
      await saveAnnotations(store, zarr, { ngff });
      const chunkKeys = zarr.keys().filter((k) => /\/labels\/annotations\/0\/(c\/)?\d+\/\d+$/.test(k));
      expect(chunkKeys.length).toBe(store.tiles().length);
      const back = await loadAnnotations(zarr);
      expect(back.shape).toEqual(store.shape);
      expect(annotationsToRaster(back).data).toEqual(annotationsToRaster(store).data);
      // an incremental save after an undo removes the chunks that became empty
      const before = store.tiles();
      while (store.undo()) {
        /* undo everything */
      }
      await saveAnnotations(store, zarr, { ngff, tiles: before });
      const empty = await loadAnnotations(zarr);
      expect(empty.tiles().length).toBe(0);
    });
  }

  it('a loaded state is not an undo step: undo after loading keeps every saved stroke', async () => {
    const store = sample();
    const zarr = new MemoryStore();
    await saveAnnotations(store, zarr, { ngff: '0.5' });
    const back = await loadAnnotations(zarr);
    expect(back.canUndo).toBe(false);
    expect(back.undo()).toBe(false);
    expect(annotationsToRaster(back).data).toEqual(annotationsToRaster(store).data);
    // edits after loading undo back to the loaded state, not to an empty canvas
    back.paintStroke([{ x: 10, y: 10 }], { code: 1, radius: 3 });
    expect(back.undo()).toBe(true);
    expect(annotationsToRaster(back).data).toEqual(annotationsToRaster(store).data);
  });

  it('round-trips exactly through PNG and TIFF', async () => {
    const store = sample();
    for (const format of ['png', 'tiff'] as const) {
      const back = await importAnnotationsImage(exportAnnotationsImage(store, format), `a.${format}`, 128);
      expect(annotationsToRaster(back).data).toEqual(annotationsToRaster(store).data);
    }
  });

  it('refuses images that are not code images', async () => {
    const bad = new Uint8Array(4 * 4);
    bad[5] = 7;
    await expect(importAnnotationsImage(writePng({ data: bad, shape: [4, 4] }))).rejects.toThrow(
      /value 7 at \(row 1, col 1\)/,
    );
  });
});
