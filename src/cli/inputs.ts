/**
 * CLI inputs: an image (PNG/TIFF, or an OME-Zarr image's level 0 given as a `.zarr` path) turned
 * into the normalised two-channel network input, and annotations (a code image PNG/TIFF with values
 * 0-3, or an OME-Zarr label image `store.zarr#labels/<name>`) turned into an AnnotationStore.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type AnnotationStore,
  importAnnotationsImage,
  loadAnnotations,
} from '../engine/annotations/index.ts';
import { computeNormalization, type NormalizationStats, toNetworkInput } from '../engine/infer/index.ts';
import { openOmeZarr, readImage } from '../engine/io/index.ts';
import { FileSystemStore } from '../engine/io/node.ts';
import type { MultiChannelRaster } from '../engine/types.ts';

export interface NetworkImage {
  /** `[rows, cols, 2]` normalised network input */
  input: MultiChannelRaster<Float32Array>;
  stats: NormalizationStats;
  shape: [number, number];
}

/** Reads the image; for OME-Zarr with a `c` axis only the requested channels (re-indexed 0, 1). */
async function readRaw(
  path: string,
  channels: number[],
): Promise<{ raw: MultiChannelRaster; channels: number[] }> {
  if (/\.zarr\/?$/.test(path)) {
    const image = await openOmeZarr(new FileSystemStore(path));
    const hasC = image.axes.some((a) => a.name === 'c');
    const planes = [];
    for (const c of hasC ? channels : [0])
      planes.push(await image.readLevel(0, hasC ? { selection: { c } } : {}));
    const [rows, cols] = planes[0]!.shape;
    const data = new Float32Array(rows * cols * planes.length);
    planes.forEach((p, k) => {
      for (let i = 0; i < rows * cols; i++) data[i * planes.length + k] = p.data[i]!;
    });
    return {
      raw: { data, shape: [rows, cols, planes.length] },
      channels: hasC ? channels.map((_, k) => k) : [0],
    };
  }
  return { raw: await readImage(new Uint8Array(readFileSync(path)), basename(path)), channels };
}

/** `channels`: 0-based channel indices `[segment, optional second]` (default `[0]`). */
export async function loadNetworkImage(path: string, channels: number[] = [0]): Promise<NetworkImage> {
  const { raw, channels: picked } = await readRaw(path, channels);
  const stats = computeNormalization(raw);
  const [c0, c1] = picked as [number, number | undefined];
  const input = toNetworkInput(raw, { channels: c1 === undefined ? [c0] : [c0, c1] }, stats);
  return { input, stats, shape: [raw.shape[0], raw.shape[1]] };
}

export async function loadAnnotationInput(path: string, tileSize = 256): Promise<AnnotationStore> {
  const zarr = /^(.*\.zarr)\/?(?:#|\/)labels\/([^/]+)\/?$/.exec(path);
  if (zarr) return loadAnnotations(new FileSystemStore(zarr[1]!), { name: zarr[2]! });
  return importAnnotationsImage(new Uint8Array(readFileSync(path)), basename(path), tileSize);
}
