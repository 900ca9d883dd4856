/**
 * Loading label images for the CLI: a TIFF/PNG file or a directory of them (matched by file
 * name), or an OME-Zarr label image given as `store.zarr#labels/<name>` or a label group path.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DtypeError, ShapeError, ValueError } from '../engine/errors.ts';
import { openLabelImage, readImage } from '../engine/io/index.ts';
import { FileSystemStore } from '../engine/io/node.ts';
import type { Raster } from '../engine/types.ts';

const IMAGE_EXT = /\.(tiff?|png)$/i;

export async function readLabelImage(path: string): Promise<Raster> {
  const zarr = /^(.*\.zarr)\/?(?:#|\/)labels\/([^/]+)\/?$/.exec(path);
  if (zarr) {
    const labels = await openLabelImage(new FileSystemStore(zarr[1]!), zarr[2]!);
    const data = await labels.readWindow(0, 0, labels.shape[0], labels.shape[1]);
    return { data, shape: labels.shape };
  }
  const image = await readImage(new Uint8Array(readFileSync(path)), basename(path));
  const [rows, cols, channels] = image.shape;
  if (channels !== 1)
    throw new ShapeError(`${path}: a label image has one channel, got shape [${image.shape.join(', ')}]`);
  if (image.data instanceof Float32Array)
    throw new DtypeError(`${path}: labels must be integers, got ${image.sampleType}`);
  return { data: image.data, shape: [rows, cols] };
}

/** Pairs of files: two files, or two directories matched by name (a name missing on one side is an error). */
export function pairLabelPaths(pred: string, gt: string): [string, string][] {
  const isDir = (p: string) => statSync(p).isDirectory() && !p.replace(/\/$/, '').endsWith('.zarr');
  if (isDir(pred) !== isDir(gt))
    throw new ValueError(`--pred ${pred} and --gt ${gt} must both be files or both directories`);
  if (!isDir(pred)) return [[pred, gt]];
  const names = (d: string) =>
    readdirSync(d)
      .filter((f) => IMAGE_EXT.test(f))
      .sort();
  const p = names(pred);
  const g = new Set(names(gt));
  const missing = p.filter((f) => !g.has(f));
  if (missing.length > 0)
    throw new ValueError(`no ground truth in ${gt} for: ${missing.slice(0, 5).join(', ')}`);
  if (p.length === 0) throw new ValueError(`no .tif/.png label images in ${pred}`);
  return p.map((f) => [join(pred, f), join(gt, f)]);
}
