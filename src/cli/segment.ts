/**
 * `sketchpose segment --image … --model … --out masks.tif|masks.ome.zarr`: instance masks of an
 * image. The network runs as in `sketchpose predict` (overlapping 224² tiles with Omnipose's
 * sigmoid taper, onnxruntime-node or tfjs); the masks are then reconstructed from its distance,
 * flow and boundary outputs with Omnipose 1.0.6's `compute_masks` (engine/masks). Images larger
 * than `--mask-tile` are reconstructed tile by tile and the labels stitched across tile borders by
 * overlap (`computeMasksTiled`), so the reconstruction's working memory stays one tile's.
 *
 * Output: a `.tif`/`.tiff` label TIFF (uint16, or uint32 beyond 65,535 masks), or an OME-Zarr
 * label image: `out.zarr` (labels/`--label-name`) or `out.zarr#labels/<name>`. An existing
 * OME-Zarr image (for example the input itself) gets the label image next to its other labels;
 * a new store is NGFF 0.5.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { initBackend } from '../engine/backends/select.ts';
import { ValueError } from '../engine/errors.ts';
import { exportCPnetOnnx } from '../engine/export/onnx.ts';
import { channelPlanes, type PredictFn, tiledPredict } from '../engine/infer/index.ts';
import { createLabelImage, type LabelDtype, writeTiff } from '../engine/io/index.ts';
import { FileSystemStore } from '../engine/io/node.ts';
import { tryReadZarrNode } from '../engine/io/zarr-node.ts';
import {
  computeMasks,
  computeMasksTiled,
  fieldsSource,
  type MaskOptions,
  type PredictedFields,
} from '../engine/masks/index.ts';
import type { CPnet } from '../engine/model/index.ts';
import type { MultiChannelRaster } from '../engine/types.ts';
import { parseArgs, parseNumberList, usage } from './args.ts';
import { loadNetworkImage } from './inputs.ts';
import { loadModel } from './model-files.ts';
import { networkPredictor } from './predict.ts';

const SPEC = {
  image: { required: true, help: 'image: PNG/TIFF or an OME-Zarr image (.zarr)' },
  model: { required: true, help: 'model directory, weights.json, or an Omnipose/Cellpose .pth' },
  out: { required: true, help: 'masks.tif, or an OME-Zarr: out.zarr or out.zarr#labels/<name>' },
  'label-name': { default: 'masks', help: 'label image name when --out is a .zarr path' },
  channels: { default: '0', help: 'image channels: segment[,second], 0-based' },
  tile: { default: '224', help: 'network tile side (multiple of 16)' },
  batch: { default: '8', help: 'tiles per forward pass' },
  backend: { default: 'auto', help: 'auto | cpu | wasm' },
  runtime: { default: 'auto', help: 'auto | onnx | tfjs (auto: onnx if onnxruntime-node loads)' },
  'mask-threshold': { default: '0', help: 'distance threshold of the foreground (hysteresis low = t − 1)' },
  'flow-threshold': { default: '0', help: 'drop masks whose flow error exceeds this; 0 = off' },
  'min-size': { default: '15', help: 'masks with fewer pixels are removed' },
  niter: { default: '200', help: 'Euler steps' },
  'mask-tile': { default: '1024', help: 'reconstruct larger images in tiles of this side, stitched' },
  'mask-overlap': {
    default: 'auto',
    help: 'overlap of reconstruction tiles in pixels (auto: 2 × mean diameter + 12, at least 64)',
  },
  help: { flag: true, help: 'show this help' },
} as const;

export const SEGMENT_HELP = usage('segment', 'instance masks of an image (predict + reconstruct)', SPEC);

/** Network output `[rows, cols, 4]` (flowY, flowX, distance, boundary logit) as mask inputs. */
export function fieldsFromPrediction(output: MultiChannelRaster<Float32Array>): PredictedFields {
  const [rows, cols, channels] = output.shape;
  if (channels < 3) {
    throw new ValueError(
      `segment: the network must output flowY, flowX, distance[, boundary], got ${channels} channel(s)`,
    );
  }
  const [flowY, flowX, distance, boundary] = channelPlanes(output);
  const n = rows * cols;
  const flow = new Float32Array(2 * n);
  flow.set(flowY!, 0);
  flow.set(flowX!, n);
  const fields: PredictedFields = { shape: [rows, cols], distance: distance!, flow };
  if (boundary) fields.boundary = boundary;
  return fields;
}

export interface SegmentOptions extends MaskOptions {
  /** reconstruct in tiles when a side exceeds this. @default 1024 */
  maskTile?: number;
  /** tile overlap; `'auto'` = max(64, 2 × mean diameter + 12). @default 'auto' */
  maskOverlap?: number | 'auto';
}

export interface SegmentResult {
  labels: Int32Array;
  count: number;
  shape: [number, number];
  /** reconstruction tiles (1 = single pass) */
  tiles: number;
  overlap: number;
}

/** Masks from the network's fields: a single pass, or tiles stitched when the image is large. */
export async function masksFromFields(
  fields: PredictedFields,
  options: SegmentOptions = {},
): Promise<SegmentResult> {
  const { maskTile = 1024, maskOverlap = 'auto', ...maskOptions } = options;
  if (!Number.isInteger(maskTile) || maskTile < 32)
    throw new ValueError(`--mask-tile must be an integer ≥ 32, got ${maskTile}`);
  const [rows, cols] = fields.shape;
  if (rows <= maskTile && cols <= maskTile) {
    const m = computeMasks(fields, maskOptions);
    return { labels: m.labels, count: m.count, shape: m.shape, tiles: 1, overlap: 0 };
  }
  let overlap: number;
  if (maskOverlap === 'auto') {
    // an object crossing a cut must lie whole in both tiles: its diameter plus the ≈ 6 px an
    // Euler trajectory travels, with margin for objects larger than the mean
    overlap = Math.max(64, Math.ceil(2 * meanDiameter(fields, maskOptions.maskThreshold ?? 0)) + 12);
  } else overlap = maskOverlap;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > maskTile / 2) {
    throw new ValueError(
      `--mask-overlap must be an integer in [0, mask-tile/2 = ${maskTile / 2}], got ${overlap}` +
        (maskOverlap === 'auto' ? ' (from the mean diameter: raise --mask-tile)' : ''),
    );
  }
  const tiled = await computeMasksTiled(fieldsSource(fields), { ...maskOptions, tile: maskTile, overlap });
  return { labels: tiled.labels, count: tiled.count, shape: tiled.shape, tiles: tiled.tiles, overlap };
}

/** 6·mean(distance) over pixels above the threshold − 1 (the hysteresis candidates). */
function meanDiameter(fields: PredictedFields, threshold: number): number {
  let sum = 0;
  let k = 0;
  for (let i = 0; i < fields.distance.length; i++) {
    const d = fields.distance[i]!;
    if (d > threshold - 1) {
      sum += Math.abs(d);
      k++;
    }
  }
  return k === 0 ? 0 : (6 * sum) / k;
}

/** Where `--out` sends the masks. */
export type MaskTarget = { kind: 'tiff'; path: string } | { kind: 'zarr'; store: string; name: string };

export function maskTarget(out: string, labelName = 'masks'): MaskTarget {
  const zarr = /^(.*\.zarr)\/?(?:#labels\/([^/#]+))?\/?$/.exec(out);
  if (zarr) return { kind: 'zarr', store: zarr[1]!, name: zarr[2] ?? labelName };
  if (/\.tiff?$/i.test(out)) return { kind: 'tiff', path: out };
  throw new ValueError(
    `--out must end in .tif/.tiff or name an OME-Zarr (.zarr[#labels/<name>]), got '${out}'`,
  );
}

/** Writes the label image as a TIFF or an OME-Zarr label image; returns a description. */
export async function writeMasks(
  target: MaskTarget,
  labels: Int32Array,
  shape: [number, number],
  count: number,
): Promise<string> {
  const dtype: LabelDtype = count <= 0xffff ? 'uint16' : 'uint32';
  const data = dtype === 'uint16' ? Uint16Array.from(labels) : Uint32Array.from(labels);
  if (target.kind === 'tiff') {
    mkdirSync(dirname(target.path), { recursive: true });
    writeFileSync(target.path, writeTiff({ data, shape }));
    return target.path;
  }
  const store = new FileSystemStore(target.store);
  const root = await tryReadZarrNode(store, '');
  const ngff = root?.zarrFormat === 2 ? '0.4' : '0.5';
  const chunks: [number, number] = [Math.min(512, shape[0]), Math.min(512, shape[1])];
  const writer = await createLabelImage(store, { name: target.name, shape, chunks, dtype, ngff });
  const [gr, gc] = writer.chunkGrid;
  const tile =
    dtype === 'uint16' ? new Uint16Array(chunks[0] * chunks[1]) : new Uint32Array(chunks[0] * chunks[1]);
  for (let r = 0; r < gr; r++) {
    for (let c = 0; c < gc; c++) {
      tile.fill(0);
      const h = Math.min(chunks[0], shape[0] - r * chunks[0]);
      const w = Math.min(chunks[1], shape[1] - c * chunks[1]);
      for (let y = 0; y < h; y++) {
        const src = (r * chunks[0] + y) * shape[1] + c * chunks[1];
        tile.set(data.subarray(src, src + w), y * chunks[1]);
      }
      await writer.writeChunk(r, c, tile);
    }
  }
  await writer.finish();
  return `${target.store}#labels/${target.name} (NGFF ${ngff}, ${dtype})`;
}

/** The network as a tiled-prediction callback: onnxruntime-node when asked/available, else tfjs. */
async function networkRuntime(
  net: CPnet,
  runtime: string,
): Promise<{ predict: PredictFn; name: string; release: () => Promise<void> }> {
  if (!['auto', 'onnx', 'tfjs'].includes(runtime))
    throw new ValueError(`--runtime must be auto, onnx or tfjs, got '${runtime}'`);
  if (runtime !== 'tfjs') {
    try {
      const ort = await import('../engine/infer/onnx-runtime.ts');
      const { bytes } = await exportCPnetOnnx(net, { style: false });
      const p = await ort.createOnnxPredictor(bytes);
      return { predict: p.predict, name: 'onnxruntime-node', release: () => p.release() };
    } catch (err) {
      if (runtime === 'onnx')
        throw new ValueError(`--runtime onnx: onnxruntime-node fails: ${(err as Error).message}`);
    }
  }
  return { predict: networkPredictor(net), name: 'tfjs', release: async () => {} };
}

function numberOption(value: unknown, name: string): number {
  const v = Number(value);
  if (!Number.isFinite(v)) throw new ValueError(`--${name} must be a number, got '${String(value)}'`);
  return v;
}

export async function segmentCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(SEGMENT_HELP);
    return 0;
  }
  const { options: o } = parseArgs(argv, SPEC);
  // check everything cheap before the network runs
  const target = maskTarget(String(o.out), String(o['label-name']));
  const overlapText = String(o['mask-overlap']);
  const segmentOptions: SegmentOptions = {
    maskThreshold: numberOption(o['mask-threshold'], 'mask-threshold'),
    flowThreshold: numberOption(o['flow-threshold'], 'flow-threshold'),
    minSize: numberOption(o['min-size'], 'min-size'),
    niter: numberOption(o.niter, 'niter'),
    maskTile: numberOption(o['mask-tile'], 'mask-tile'),
    maskOverlap: overlapText === 'auto' ? 'auto' : numberOption(overlapText, 'mask-overlap'),
  };
  const backend = await initBackend(String(o.backend) as 'auto');
  console.error(`backend: ${backend.name} (${backend.reason})`);
  const image = await loadNetworkImage(String(o.image), parseNumberList(String(o.channels), '--channels'));
  const net = loadModel(String(o.model));
  const t0 = performance.now();
  const runtime = await networkRuntime(net, String(o.runtime));
  let output: MultiChannelRaster<Float32Array>;
  try {
    output = await tiledPredict(image.input, runtime.predict, {
      tile: numberOption(o.tile, 'tile'),
      batchSize: numberOption(o.batch, 'batch'),
      inputChannels: 2,
    });
  } finally {
    await runtime.release();
    net.dispose();
  }
  const t1 = performance.now();
  const masks = await masksFromFields(fieldsFromPrediction(output), segmentOptions);
  const t2 = performance.now();
  const where = await writeMasks(target, masks.labels, masks.shape, masks.count);
  console.error(
    `segmented ${masks.shape.join('×')}: ${masks.count} masks; network (${runtime.name}) ` +
      `${((t1 - t0) / 1000).toFixed(1)} s, masks ${((t2 - t1) / 1000).toFixed(1)} s` +
      `${masks.tiles > 1 ? ` in ${masks.tiles} tiles (overlap ${masks.overlap} px)` : ''} → ${where}`,
  );
  return 0;
}
