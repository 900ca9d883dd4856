/**
 * Tiled prediction with taper blending (Omnipose 1.0.6 `UnetModel._run_tiled` with
 * `make_tiles_ND` / `average_tiles_ND`, ALGORITHM.md §6): reflect-pad, cut overlapping tiles,
 * run them through a model in batches, and average the outputs with Omnipose's sigmoid taper,
 * normalised by the summed weights, before cropping back to the image. Every output channel,
 * the flows included, is blended the same way.
 *
 * The model is a callback, so the same code drives TensorFlow.js, onnxruntime or a test function:
 * it receives `n` tiles as NHWC float32 and returns their `outputChannels` outputs as NHWC.
 * Memory: one batch of tiles plus the `[rows, cols, outputChannels]` output and one weight plane;
 * the padded image is never built (tiles read the source through a reflect index map).
 *
 * `halo` discards that many pixels at every tile edge (weight 0). Omnipose has none (default 0):
 * its taper still gives an edge pixel weight ≈ 0.07, enough for a seam when a model's output near
 * a tile edge differs from the untiled one. With `halo` ≥ a local model's receptive-field radius
 * the tiled output equals the untiled one away from the image border.
 *
 * @example
 * const input = toNetworkInput(image, { channels: [0] }, stats);
 * const out = await tiledPredict(input, (batch, n, h, w) => runModel(batch, n, h, w), { signal });
 * // out.shape = [rows, cols, 4]: flowY, flowX, distance, boundary logit
 */
import { ShapeError, ValueError } from '../errors.ts';
import type { MultiChannelRaster, Raster } from '../types.ts';
import { asMultiChannel, assertFinite, checkInteger, checkMultiChannel } from './input-checks.ts';
import { type AxisLayout, axisLayout, taperWeights } from './tile-layout.ts';

/** Runs the model on `n` tiles `[n, tileH, tileW, C]`; resolves to `[n, tileH, tileW, K]`. */
export type PredictFn = (
  batch: Float32Array,
  n: number,
  tileH: number,
  tileW: number,
  signal?: AbortSignal,
) => Promise<Float32Array>;

export interface TiledPredictOptions {
  /** tile side, a multiple of 16. Default 224 (Omnipose `bsize`). */
  tile?: number;
  /** overlap as a fraction of the tile, in [0, 0.5]. Default 0.1 (Omnipose `tile_overlap`). */
  overlap?: number;
  /** tiles per `predict` call. Default 8. */
  batchSize?: number;
  /** pixels discarded at each tile edge (weight 0). Default 0 (Omnipose). */
  halo?: number;
  /** channels the model returns. Default 4: flowY, flowX, distance, boundary logit. */
  outputChannels?: number;
  /** expected input channel count; a different one throws a ShapeError. Default: any. */
  inputChannels?: number;
  /** use a smaller tile for an image smaller than a tile, as Omnipose does. Default false. */
  shrinkToImage?: boolean;
  /** checked before every batch and after each `predict` resolves */
  signal?: AbortSignal;
  onProgress?: (tilesDone: number, tilesTotal: number) => void;
}

/** The tile grid an image of `[rows, cols]` gets, for planning (batches, memory, progress). */
export function tileGrid(
  rows: number,
  cols: number,
  options: TiledPredictOptions = {},
): [AxisLayout, AxisLayout] {
  const tile = options.tile ?? 224;
  if (!Number.isInteger(tile) || tile < 16 || tile % 16 !== 0) {
    throw new ValueError(`tile must be a positive multiple of 16, got ${tile}`);
  }
  const overlap = options.overlap ?? 0.1;
  if (!(overlap >= 0 && overlap <= 0.5)) throw new ValueError(`overlap must be in [0, 0.5], got ${overlap}`);
  const halo = checkInteger(options.halo ?? 0, 0, tile / 2 - 1, 'halo');
  const axis = { tile, overlap, halo, shrinkToImage: options.shrinkToImage ?? false };
  const layout: [AxisLayout, AxisLayout] = [axisLayout(rows, axis), axisLayout(cols, axis)];
  for (const l of layout) {
    if (2 * halo >= l.tile) throw new ValueError(`halo ${halo} leaves nothing of a ${l.tile}-pixel tile`);
  }
  return layout;
}

/** Predict a whole image (or a window with its context) tile by tile and blend the tiles. */
export async function tiledPredict(
  image: Raster | MultiChannelRaster,
  predict: PredictFn,
  options: TiledPredictOptions = {},
): Promise<MultiChannelRaster<Float32Array>> {
  const raster = asMultiChannel(image);
  const [rows, cols, channels] = checkMultiChannel(raster, 'tiledPredict');
  if (options.inputChannels !== undefined && channels !== options.inputChannels) {
    throw new ShapeError(
      `tiledPredict: the model takes ${options.inputChannels} channel(s) but the image has shape [${rows}, ${cols}, ${channels}]`,
    );
  }
  const outChannels = checkInteger(options.outputChannels ?? 4, 1, 1024, 'outputChannels');
  const batchSize = checkInteger(options.batchSize ?? 8, 1, 1 << 16, 'batchSize');
  const [ly, lx] = tileGrid(rows, cols, options);
  assertFinite(raster, 'tiledPredict');
  const { signal } = options;
  signal?.throwIfAborted();
  const out = new Float32Array(rows * cols * outChannels);
  if (rows * cols === 0) return { data: out, shape: [rows, cols, outChannels] };

  const th = ly.tile;
  const tw = lx.tile;
  const bs = Math.max(th, tw); // Omnipose `_taper_mask_ND`: one profile of the longer side
  const halo = options.halo ?? 0;
  const wy = taperWeights(th, bs, halo);
  const wx = taperWeights(tw, bs, halo);
  const tiles: [number, number][] = [];
  for (const y0 of ly.starts) for (const x0 of lx.starts) tiles.push([y0, x0]);
  const weightSum = new Float32Array(rows * cols);
  const src = raster.data;
  const tileValues = th * tw;

  for (let first = 0; first < tiles.length; first += batchSize) {
    signal?.throwIfAborted();
    const n = Math.min(batchSize, tiles.length - first);
    const batch = new Float32Array(n * tileValues * channels);
    for (let t = 0, o = 0; t < n; t++) {
      const [y0, x0] = tiles[first + t]!;
      for (let y = 0; y < th; y++) {
        const rowBase = ly.source[y0 + y]! * cols;
        for (let x = 0; x < tw; x++) {
          const s = (rowBase + lx.source[x0 + x]!) * channels;
          for (let c = 0; c < channels; c++) batch[o++] = src[s + c]!;
        }
      }
    }
    const result = await predict(batch, n, th, tw, signal);
    signal?.throwIfAborted();
    if (!(result instanceof Float32Array) || result.length !== n * tileValues * outChannels) {
      throw new ShapeError(
        `tiledPredict: predict returned ${result?.length} values for ${n} tile(s) of ${th}×${tw}; expected ` +
          `${n * tileValues * outChannels} (NHWC float32 with ${outChannels} channels)`,
      );
    }
    for (let t = 0; t < n; t++) {
      const [y0, x0] = tiles[first + t]!;
      for (let y = 0; y < th; y++) {
        const r = y0 + y - ly.padBefore;
        if (r < 0 || r >= rows || wy[y] === 0) continue;
        for (let x = 0; x < tw; x++) {
          const c = x0 + x - lx.padBefore;
          const w = wy[y]! * wx[x]!;
          if (c < 0 || c >= cols || w === 0) continue;
          const p = r * cols + c;
          weightSum[p]! += w;
          const from = ((t * th + y) * tw + x) * outChannels;
          for (let k = 0; k < outChannels; k++) out[p * outChannels + k]! += w * result[from + k]!;
        }
      }
    }
    options.onProgress?.(first + n, tiles.length);
  }
  for (let p = 0; p < rows * cols; p++) {
    const sum = weightSum[p]!; // > 0: the layout gives every pixel a tile with non-zero weight
    for (let k = 0; k < outChannels; k++) out[p * outChannels + k]! /= sum;
  }
  return { data: out, shape: [rows, cols, outChannels] };
}

/** Split an interleaved `[rows, cols, K]` output into K planes (`[flowY, flowX, dist, boundary]`). */
export function channelPlanes(raster: MultiChannelRaster<Float32Array>): Float32Array[] {
  const [rows, cols, channels] = checkMultiChannel(raster, 'channelPlanes');
  const planes = Array.from({ length: channels }, () => new Float32Array(rows * cols));
  for (let p = 0; p < rows * cols; p++) {
    for (let k = 0; k < channels; k++) planes[k]![p] = raster.data[p * channels + k]!;
  }
  return planes;
}
