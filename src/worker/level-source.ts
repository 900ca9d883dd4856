/**
 * Normalised network input read from an OME-Zarr pyramid level by windows, through an LRU cache of
 * normalised tiles (so memory stays bounded on slides of any size). Implements the sampler's
 * `ImageSource` for level 0, and serves viewport windows at any level for prediction. Pixels
 * outside the level read 0. Two network channels: the chosen channel, then zeros (Omnipose with no
 * second channel).
 */

import { type NormalizationStats, toNetworkInput } from '../engine/infer/index.ts';
import type { OmeZarrImage } from '../engine/io/index.ts';
import type { ImageSource } from '../engine/train/sampler/index.ts';

const TILE = 256;

export class LevelReader {
  private readonly cache = new Map<string, Promise<Float32Array>>();
  private readonly yAxis: number;
  private readonly xAxis: number;

  constructor(
    private readonly image: OmeZarrImage,
    private readonly selection: Record<string, number>,
    private readonly stats: NormalizationStats,
    private readonly maxTiles = 512,
  ) {
    const names = image.axes.map((a) => a.name);
    this.yAxis = names.indexOf('y');
    this.xAxis = names.indexOf('x');
  }

  levelShape(level: number): [number, number] {
    const s = this.image.levels[level]!.shape;
    return [s[this.yAxis]!, s[this.xAxis]!];
  }

  get levels(): number {
    return this.image.levels.length;
  }

  /** Normalised 2-channel tile (`TILE`², zero beyond the level). */
  private tile(level: number, tr: number, tc: number, signal?: AbortSignal): Promise<Float32Array> {
    const key = `${level}/${tr}/${tc}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const load = (async () => {
      const [H, W] = this.levelShape(level);
      const r0 = tr * TILE;
      const c0 = tc * TILE;
      const h = Math.min(TILE, H - r0);
      const w = Math.min(TILE, W - c0);
      const raster = await this.image.readLevel(level, {
        rows: [r0, r0 + h],
        cols: [c0, c0 + w],
        selection: this.selection,
        signal,
      });
      const input = toNetworkInput(raster, { channels: [0] }, this.stats);
      const out = new Float32Array(TILE * TILE * 2);
      for (let y = 0; y < h; y++) out.set(input.data.subarray(y * w * 2, (y + 1) * w * 2), y * TILE * 2);
      return out;
    })();
    load.catch(() => this.cache.delete(key));
    this.cache.set(key, load);
    while (this.cache.size > this.maxTiles) this.cache.delete(this.cache.keys().next().value!);
    return load;
  }

  /** `[rows, cols, 2]` window at `level`; outside the level is 0. */
  async window(
    level: number,
    row0: number,
    col0: number,
    rows: number,
    cols: number,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const [H, W] = this.levelShape(level);
    const out = new Float32Array(rows * cols * 2);
    const rA = Math.max(0, row0);
    const rB = Math.min(H, row0 + rows);
    const cA = Math.max(0, col0);
    const cB = Math.min(W, col0 + cols);
    if (rA >= rB || cA >= cB) return out;
    const jobs: Promise<void>[] = [];
    for (let tr = Math.floor(rA / TILE); tr * TILE < rB; tr++) {
      for (let tc = Math.floor(cA / TILE); tc * TILE < cB; tc++) {
        jobs.push(
          this.tile(level, tr, tc, signal).then((t) => {
            const y0 = Math.max(rA, tr * TILE);
            const y1 = Math.min(rB, (tr + 1) * TILE);
            const x0 = Math.max(cA, tc * TILE);
            const x1 = Math.min(cB, (tc + 1) * TILE);
            for (let y = y0; y < y1; y++) {
              const src = ((y - tr * TILE) * TILE + (x0 - tc * TILE)) * 2;
              out.set(t.subarray(src, src + (x1 - x0) * 2), ((y - row0) * cols + (x0 - col0)) * 2);
            }
          }),
        );
      }
    }
    await Promise.all(jobs);
    return out;
  }

  /** The sampler's view: level 0. */
  source(): ImageSource {
    return {
      shape: this.levelShape(0),
      channels: 2,
      readWindow: (row0, col0, rows, cols, signal) => this.window(0, row0, col0, rows, cols, signal),
    };
  }
}
