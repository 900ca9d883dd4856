/**
 * Tiled prediction. Invariants: (1) with a pointwise model the blended output equals the untiled
 * output (the taper only averages equal values) for any image size, channel count, tile, overlap
 * and batch size; (2) with a local model (box filter of radius h run inside each tile) and
 * `halo >= h` there is no seam: away from the image border the output equals the untiled filter;
 * (3) the tile layout and taper are Omnipose 1.0.6's (numbers from `pad_image_ND`,
 * `make_tiles_ND`, `_taper_mask_ND`); (4) abort stops between batches; (5) bad input throws.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/engine/errors.ts';
import {
  channelPlanes,
  type PredictFn,
  taperWeights,
  tiledPredict,
  tileGrid,
} from '../../src/engine/infer/index.ts';
import { Random } from '../../src/engine/random.ts';
import type { MultiChannelRaster } from '../../src/engine/types.ts';

function randomImage(
  seed: number,
  rows: number,
  cols: number,
  channels: number,
): MultiChannelRaster<Float32Array> {
  const rng = new Random(seed);
  return {
    data: Float32Array.from({ length: rows * cols * channels }, () => rng.uniform(-2, 2)),
    shape: [rows, cols, channels],
  };
}

/** out = [x0, 2·x1, x0 + x1, sin(x0)], x1 = 0 for one-channel input. */
function pointwise(x: Float32Array, pixels: number, channels: number): Float32Array {
  const out = new Float32Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const x0 = x[p * channels]!;
    const x1 = channels > 1 ? x[p * channels + 1]! : 0;
    out.set([x0, 2 * x1, x0 + x1, Math.sin(x0)], p * 4);
  }
  return out;
}

/** Mean over the (2h+1)² window of each pixel, zeros outside; 4 copies of channel 0's result. */
function boxFilter(
  x: Float32Array,
  n: number,
  rows: number,
  cols: number,
  channels: number,
  h: number,
): Float32Array {
  const out = new Float32Array(n * rows * cols * 4);
  for (let t = 0; t < n; t++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        for (let dr = -h; dr <= h; dr++) {
          for (let dc = -h; dc <= h; dc++) {
            const rr = r + dr;
            const cc = c + dc;
            if (rr >= 0 && rr < rows && cc >= 0 && cc < cols)
              sum += x[((t * rows + rr) * cols + cc) * channels]!;
          }
        }
        out.fill(
          sum / (2 * h + 1) ** 2,
          ((t * rows + r) * cols + c) * 4,
          ((t * rows + r) * cols + c) * 4 + 4,
        );
      }
    }
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('tiledPredict with a pointwise model', () => {
  const cases: [
    number,
    number,
    number,
    { tile?: number; overlap?: number; batchSize?: number; shrinkToImage?: boolean },
  ][] = [
    [50, 37, 2, {}], // smaller than a tile
    [224, 224, 2, { batchSize: 1 }],
    [300, 517, 2, { batchSize: 3 }], // not multiples of 16
    [131, 77, 1, { tile: 64, overlap: 0.3 }], // one channel, many tiles
    [17, 400, 2, { tile: 48, overlap: 0 }],
    [1, 5, 1, {}],
    [50, 37, 2, { shrinkToImage: true }],
  ];
  for (const [rows, cols, ch, opts] of cases) {
    it(`equals the untiled output on [${rows}, ${cols}, ${ch}] ${JSON.stringify(opts)}`, async () => {
      const img = randomImage(rows * 1000 + cols, rows, cols, ch);
      const shapes = new Set<string>();
      const predict: PredictFn = async (batch, n, th, tw) => {
        shapes.add(`${th}x${tw}`);
        return pointwise(batch, n * th * tw, ch);
      };
      const out = await tiledPredict(img, predict, opts);
      expect(out.shape).toEqual([rows, cols, 4]);
      expect(maxDiff(out.data, pointwise(img.data, rows * cols, ch))).toBeLessThan(1e-5);
      const [ly, lx] = tileGrid(rows, cols, opts);
      expect([...shapes]).toEqual([`${ly.tile}x${lx.tile}`]);
    });
  }

  it('returns planes in Omnipose order on request', async () => {
    const img = randomImage(5, 20, 30, 2);
    const out = await tiledPredict(img, async (b, n, h, w) => pointwise(b, n * h * w, 2), { tile: 32 });
    const [flowY, flowX, dist, boundary] = channelPlanes(out);
    expect(flowY![7]).toBeCloseTo(img.data[14]!, 6);
    expect(flowX![7]).toBeCloseTo(2 * img.data[15]!, 6);
    expect(dist![7]).toBeCloseTo(img.data[14]! + img.data[15]!, 6);
    expect(boundary![7]).toBeCloseTo(Math.sin(img.data[14]!), 6);
  });
});

describe('tiledPredict with a local model (no seams)', () => {
  for (const [h, tile, overlap] of [
    [1, 64, 0.1],
    [2, 48, 0.05],
    [3, 224, 0.1],
  ] as const) {
    it(`box filter of radius ${h}, tile ${tile}, halo ${h}: interior equals the untiled filter`, async () => {
      const [rows, cols] = [300, 517];
      const img = randomImage(11 + h, rows, cols, 2);
      const predict: PredictFn = async (b, n, th, tw) => boxFilter(b, n, th, tw, 2, h);
      const tiled = await tiledPredict(img, predict, { tile, overlap, halo: h, batchSize: 5 });
      const whole = boxFilter(img.data, 1, rows, cols, 2, h);
      let worst = 0;
      for (let r = h; r < rows - h; r++) {
        for (let c = h; c < cols - h; c++) {
          for (let k = 0; k < 4; k++) {
            const i = (r * cols + c) * 4 + k;
            worst = Math.max(worst, Math.abs(tiled.data[i]! - whole[i]!));
          }
        }
      }
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('without a halo the taper alone leaves seams (edge weight ~0.07, Omnipose behaviour)', async () => {
    const img = randomImage(2, 130, 130, 1);
    const predict: PredictFn = async (b, n, th, tw) => boxFilter(b, n, th, tw, 1, 1);
    const tiled = await tiledPredict(img, predict, { tile: 64 });
    const whole = boxFilter(img.data, 1, 130, 130, 1, 1);
    let worst = 0;
    for (let r = 1; r < 129; r++) {
      for (let c = 1; c < 129; c++)
        worst = Math.max(worst, Math.abs(tiled.data[(r * 130 + c) * 4]! - whole[(r * 130 + c) * 4]!));
    }
    expect(worst).toBeGreaterThan(1e-3);
  });
});

describe('tile layout and taper (Omnipose 1.0.6)', () => {
  it('pads and places tiles as pad_image_ND + make_tiles_ND', () => {
    // numbers printed by cellpose_omni.transforms.pad_image_ND / make_tiles_ND(bsize=224, tile_overlap=0.1)
    const expected: [number, number, [number, number], number[], number, number, number[]][] = [
      [300, 517, [10, 320], [0, 96], 13, 544, [0, 160, 320]],
      [1000, 224, [12, 1024], [0, 160, 320, 480, 640, 800], 8, 240, [0, 16]],
      [224, 225, [8, 240], [0, 16], 15, 256, [0, 32]],
    ];
    for (const [rows, cols, [pyBefore, py], ys, pxBefore, px, xs] of expected) {
      const [ly, lx] = tileGrid(rows, cols);
      expect([ly.padBefore, ly.padded, ly.starts]).toEqual([pyBefore, py, ys]);
      expect([lx.padBefore, lx.padded, lx.starts]).toEqual([pxBefore, px, xs]);
    }
    // an image smaller than a tile: Omnipose shrinks the tile to the padded image (80×64) ...
    const [sy, sx] = tileGrid(50, 37, { shrinkToImage: true });
    expect([sy.padBefore, sy.tile, sx.padBefore, sx.tile]).toEqual([15, 80, 13, 64]);
    // ... by default it is padded up to one tile instead
    const [ty, tx] = tileGrid(50, 37);
    expect([ty.padBefore, ty.padded, tx.padBefore, tx.padded]).toEqual([15 + 72, 224, 13 + 80, 224]);
  });

  it('weights tiles as _taper_mask_ND', () => {
    // _taper_mask_ND((224, 224))[0, 0], [0, 111], [111, 111], [10, 50]; ((64, 48))[0, 0], [31, 23]
    const w224 = taperWeights(224, 224);
    expect(w224[0]! * w224[0]!).toBeCloseTo(0.004780121167573313, 12);
    expect(w224[0]! * w224[111]!).toBeCloseTo(0.0691380725473421, 12);
    expect(w224[111]! * w224[111]!).toBeCloseTo(0.9999899391647015, 12);
    expect(w224[10]! * w224[50]!).toBeCloseTo(0.21612522001681303, 12);
    const wy = taperWeights(64, 64);
    const wx = taperWeights(48, 64);
    expect(wy[0]! * wx[0]!).toBeCloseTo(0.01227251919818479, 12);
    expect(wy[31]! * wx[23]!).toBeCloseTo(0.6764955530809239, 12);
    expect(taperWeights(10, 224, 2).slice(0, 3)[1]).toBe(0);
  });
});

describe('tiledPredict: abort, progress and errors', () => {
  const img = randomImage(9, 200, 200, 2);
  const identity: PredictFn = async (b, n, h, w) => pointwise(b, n * h * w, 2);

  it('stops between batches when aborted and reports progress', async () => {
    const controller = new AbortController();
    let calls = 0;
    const predict: PredictFn = async (b, n, h, w) => {
      calls++;
      if (calls === 2) controller.abort(new Error('user stopped'));
      return identity(b, n, h, w);
    };
    const progress: number[] = [];
    const run = tiledPredict(img, predict, {
      tile: 32,
      batchSize: 4,
      signal: controller.signal,
      onProgress: (done) => progress.push(done),
    });
    await expect(run).rejects.toThrow('user stopped');
    expect(calls).toBe(2);
    expect(progress).toEqual([4]);
    await expect(tiledPredict(img, identity, { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('throws ValueError on NaN in the input, naming the count and position', async () => {
    const bad = randomImage(1, 40, 50, 2);
    bad.data[(12 * 50 + 7) * 2 + 1] = Number.NaN;
    await expect(tiledPredict(bad, identity)).rejects.toThrow(ValueError);
    await expect(tiledPredict(bad, identity)).rejects.toThrow(
      /1 non-finite value .*row 12, col 7, channel 1/,
    );
  });

  it('throws ShapeError on a wrong channel count or a wrong model output', async () => {
    await expect(tiledPredict(randomImage(1, 40, 50, 3), identity, { inputChannels: 2 })).rejects.toThrow(
      ShapeError,
    );
    await expect(tiledPredict({ data: new Float32Array(10), shape: [3, 3, 1] }, identity)).rejects.toThrow(
      ShapeError,
    );
    const short: PredictFn = async (_b, n, h, w) => new Float32Array(n * h * w * 3);
    await expect(tiledPredict(img, short)).rejects.toThrow(/expected .* with 4 channels/);
  });

  it('throws ValueError on bad options', async () => {
    await expect(tiledPredict(img, identity, { tile: 100 })).rejects.toThrow(ValueError);
    await expect(tiledPredict(img, identity, { overlap: 0.7 })).rejects.toThrow(ValueError);
    await expect(tiledPredict(img, identity, { tile: 32, halo: 16 })).rejects.toThrow(ValueError);
    await expect(tiledPredict(img, identity, { batchSize: 0 })).rejects.toThrow(ValueError);
  });
});
