import { describe, expect, it } from 'vitest';
import { AnnotationStore, traceLine } from '../../src/engine/annotations/index.ts';
import { ValueError } from '../../src/engine/errors.ts';
import { Random } from '../../src/engine/random.ts';
import { BACKGROUND, BOUNDARY, CELL, connectedComponents } from '../../src/engine/targets/index.ts';
import { ArrayImageSource, drawWarp, PatchSampler, warpPatch } from '../../src/engine/train/sampler/index.ts';

function image(rows: number, cols: number, seed: number): ArrayImageSource {
  const rng = new Random(seed);
  const data = new Float32Array(rows * cols * 2);
  for (let i = 0; i < rows * cols; i++) data[i * 2] = rng.next();
  return new ArrayImageSource(data, [rows, cols, 2]);
}

describe('PatchSampler', () => {
  it('draws centres uniformly over annotated pixels of all images', async () => {
    // Invariant: each annotated pixel is equally likely, so image B with 3× the annotated pixels
    // of image A gets ~3× the draws, and no draw lands on an unannotated pixel.
    const a = new AnnotationStore({ shape: [300, 300], tileSize: 64 });
    const b = new AnnotationStore({ shape: [500, 400], tileSize: 64 });
    a.paintStroke([{ x: 50, y: 50 }], { code: CELL, radius: 10 }); // ~314 px
    b.paintStroke(
      [
        { x: 300, y: 400 },
        { x: 300 + (3 * 314) / 21, y: 400 },
      ],
      { code: BACKGROUND, radius: 10.5 },
    );
    const sampler = new PatchSampler(
      [
        { image: image(300, 300, 1), annotations: a },
        { image: image(500, 400, 2), annotations: b },
      ],
      { seed: 5, batchSize: 1, patch: 16, margin: 4 },
    );
    const counts = [0, 0];
    const index = (
      sampler as unknown as { index: { draw(r: Random): { image: number; row: number; col: number } } }
    ).index;
    const rng = new Random(9);
    for (let k = 0; k < 20_000; k++) {
      const c = index.draw(rng);
      counts[c.image]!++;
      const store = c.image === 0 ? a : b;
      expect(store.get(c.row, c.col)).not.toBe(0);
    }
    const expected = sampler.annotatedPixels;
    const shareA = (a.readWindow(0, 0, 300, 300).data.filter((v) => v !== 0).length / expected) * 20_000;
    expect(Math.abs(counts[0]! - shareA)).toBeLessThan(4 * Math.sqrt(shareA)); // within 4 σ
  });

  it('takes strokes painted between two batches without restarting', async () => {
    const store = new AnnotationStore({ shape: [400, 400], tileSize: 128 });
    store.paintStroke([{ x: 40, y: 40 }], { code: CELL, radius: 5 });
    const sampler = new PatchSampler([{ image: image(400, 400, 3), annotations: store }], {
      seed: 1,
      batchSize: 2,
      patch: 32,
      margin: 8,
    });
    const before = sampler.annotatedPixels;
    await sampler.next();
    store.paintStroke([{ x: 350, y: 350 }], { code: BACKGROUND, radius: 30 });
    expect(sampler.annotatedPixels).toBeGreaterThan(before + 2000);
  });

  it('is deterministic by seed and gives fixed shapes with targets', async () => {
    const store = new AnnotationStore({ shape: [256, 256], tileSize: 64 });
    store.paintStroke(
      [
        { x: 100, y: 100 },
        { x: 160, y: 120 },
      ],
      { code: CELL, radius: 8 },
    );
    store.paintStroke(
      [
        { x: 30, y: 200 },
        { x: 200, y: 230 },
      ],
      { code: BACKGROUND, radius: 6 },
    );
    const make = () =>
      new PatchSampler([{ image: image(256, 256, 4), annotations: store }], {
        seed: 77,
        batchSize: 3,
        patch: 48,
        margin: 16,
      });
    const [b1, b2] = [await make().next(), await make().next()];
    expect(b1.shape).toEqual([3, 48, 48, 2]);
    expect(b1.image.length).toBe(3 * 48 * 48 * 2);
    expect(b1.image).toEqual(b2.image);
    expect(b1.targets.map((t) => t.distance)).toEqual(b2.targets.map((t) => t.distance));
    expect(b1.targets.every((t) => t.shape[0] === 48 && t.counts.boundaryLoss > 0)).toBe(true);
  });

  it('refuses to sample without annotations, with a clear error', async () => {
    const sampler = new PatchSampler(
      [{ image: image(64, 64, 5), annotations: new AnnotationStore({ shape: [64, 64] }) }],
      {
        patch: 16,
      },
    );
    await expect(sampler.next()).rejects.toThrow(ValueError);
    await expect(sampler.next()).rejects.toThrow(/paint at least one stroke/);
  });
});

describe('warpPatch', () => {
  it('is the identity without rotation, scale or flip', () => {
    const rng = new Random(2);
    const n = 40;
    const img = new Float32Array(n * n).map(() => rng.next());
    const codes = new Uint8Array(n * n).map(() => rng.int(0, 2));
    const out = warpPatch(
      { image: img, codes, rows: n, cols: n, channels: 1, centreRow: 20, centreCol: 20 },
      20,
      { angle: 0, scaleX: 1, scaleY: 1, flipX: false, flipY: false },
    );
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        // output pixel (y, x) samples source (y + 9.5 + 0.5 - 0.5 ...) = centre + (y + 0.5 - 10)
        const sy = 20 + y + 0.5 - 10;
        const sx = 20 + x + 0.5 - 10;
        const expected =
          (img[Math.floor(sy) * n + Math.floor(sx)]! +
            img[Math.floor(sy) * n + Math.floor(sx) + 1]! +
            img[(Math.floor(sy) + 1) * n + Math.floor(sx)]! +
            img[(Math.floor(sy) + 1) * n + Math.floor(sx) + 1]!) /
          4;
        expect(out.image[y * 20 + x]).toBeCloseTo(expected, 5);
      }
    }
  });

  it('keeps a drawn boundary line separating the cell strokes on its sides under any warp', () => {
    // Invariant: after warping, no 4-connected cell component holds pixels that came from both
    // sides of the line (the targets would otherwise merge two objects).
    const rng = new Random(31);
    const n = 121;
    for (let k = 0; k < 60; k++) {
      const codes = new Uint8Array(n * n).fill(CELL);
      const a = rng.uniform(0, Math.PI);
      const p0 = { x: 60.5 - 80 * Math.cos(a), y: 60.5 - 80 * Math.sin(a) };
      const p1 = { x: 60.5 + 80 * Math.cos(a), y: 60.5 + 80 * Math.sin(a) };
      traceLine([p0, p1], (r, c) => {
        if (r >= 0 && c >= 0 && r < n && c < n) codes[r * n + c] = BOUNDARY;
      });
      const warp = drawWarp(rng);
      const side = 64;
      const out = warpPatch(
        {
          image: new Float32Array(n * n),
          codes,
          rows: n,
          cols: n,
          channels: 1,
          centreRow: 60,
          centreCol: 60,
        },
        side,
        warp,
      );
      const cells = connectedComponents(
        { data: out.codes.map((v) => (v === CELL ? 1 : 0)), shape: [side, side] },
        4,
      );
      // side of the line for each output pixel, from its source position
      const sideOf = new Map<number, Set<number>>();
      const cos = Math.cos(warp.angle);
      const sin = Math.sin(warp.angle);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const l = cells.labels[y * side + x]!;
          if (l === 0) continue;
          let uy = (y + 0.5 - side / 2) / warp.scaleY;
          let ux = (x + 0.5 - side / 2) / warp.scaleX;
          if (warp.flipY) uy = -uy;
          if (warp.flipX) ux = -ux;
          const sy = 60 + cos * uy - sin * ux + 0.5;
          const sx = 60 + sin * uy + cos * ux + 0.5;
          const s = Math.sign((p1.x - p0.x) * (sy - p0.y) - (p1.y - p0.y) * (sx - p0.x));
          if (!sideOf.has(l)) sideOf.set(l, new Set());
          sideOf.get(l)!.add(s);
        }
      }
      for (const sides of sideOf.values()) expect(sides.size).toBe(1);
      expect(cells.count).toBeGreaterThanOrEqual(2);
    }
  });
});
