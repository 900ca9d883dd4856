/**
 * `sketchpose predict`: runs a trained network over a whole image in overlapping tiles (Omnipose's
 * layout and sigmoid taper) and writes the four outputs as float32 TIFFs: `<stem>_flow_y.tif`,
 * `<stem>_flow_x.tif`, `<stem>_distance.tif` and `<stem>_boundary.tif` (boundary probability).
 * `--runtime onnx` (the default where onnxruntime-node loads) runs the network's ONNX export,
 * regenerated in memory from the weights, in onnxruntime-node, faster than tfjs on a CPU
 * (docs/benchmarks-train.md); `--runtime tfjs` runs the tfjs network itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backends/select.ts';
import { ValueError } from '../engine/errors.ts';
import { exportCPnetOnnx } from '../engine/export/onnx.ts';
import { channelPlanes, tiledPredict } from '../engine/infer/index.ts';
import type { OnnxPredictor } from '../engine/infer/onnx-runtime.ts';
import { writeTiff } from '../engine/io/index.ts';
import type { CPnet } from '../engine/model/index.ts';
import type { MultiChannelRaster } from '../engine/types.ts';
import { parseArgs, parseNumberList, usage } from './args.ts';
import { loadNetworkImage } from './inputs.ts';
import { loadModel } from './model-files.ts';

const SPEC = {
  image: { required: true, help: 'image: PNG/TIFF or an OME-Zarr image (.zarr)' },
  model: { required: true, help: 'model directory, weights.json, or an Omnipose/Cellpose .pth' },
  out: { required: true, help: 'output prefix (…/name.tif → name_distance.tif, …) or a directory' },
  channels: { default: '0', help: 'image channels: segment[,second], 0-based' },
  tile: { default: '224', help: 'tile side (multiple of 16)' },
  batch: { default: '8', help: 'tiles per forward pass' },
  backend: { default: 'auto', help: 'auto | cpu | wasm' },
  runtime: {
    default: 'auto',
    help: 'auto | onnx | tfjs: onnx runs the BatchNorm-folded ONNX export in onnxruntime-node (auto: onnx if it loads)',
  },
  help: { flag: true, help: 'show this help' },
} as const;

export const PREDICT_HELP = usage('predict', 'flows, distance and boundary of an image', SPEC);

/** A tiled-prediction callback running the network in eval mode. */
export function networkPredictor(net: CPnet) {
  return async (batch: Float32Array, n: number, h: number, w: number) => {
    const out = tf.tidy(() => net.apply(tf.tensor4d(batch, [n, h, w, 2]), { training: false }));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
}

export async function predictImage(
  net: CPnet,
  input: MultiChannelRaster<Float32Array>,
  tile: number,
  batchSize: number,
) {
  return tiledPredict(input, networkPredictor(net), { tile, batchSize, inputChannels: 2 });
}

/**
 * The network exported to ONNX in memory (regenerated from its weights) in an onnxruntime-node
 * session; `undefined` when onnxruntime-node cannot be loaded and `required` is false.
 */
async function onnxPredictor(net: CPnet, required: boolean): Promise<OnnxPredictor | undefined> {
  let runtime: typeof import('../engine/infer/onnx-runtime.ts');
  try {
    // loaded on demand: the native binding is only needed here
    runtime = await import('../engine/infer/onnx-runtime.ts');
  } catch (err) {
    if (required)
      throw new ValueError(`--runtime onnx: onnxruntime-node fails to load: ${(err as Error).message}`);
    return undefined;
  }
  const { bytes } = await exportCPnetOnnx(net, { style: false });
  return runtime.createOnnxPredictor(bytes);
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs(argv, SPEC);
  if (o.help) {
    console.log(PREDICT_HELP);
    return 0;
  }
  const backend = await initBackend(String(o.backend) as 'auto');
  console.error(`backend: ${backend.name} (${backend.reason})`);
  const image = await loadNetworkImage(String(o.image), parseNumberList(String(o.channels), '--channels'));
  const net = loadModel(String(o.model));
  const t0 = performance.now();
  const runtime = String(o.runtime);
  if (!['auto', 'onnx', 'tfjs'].includes(runtime))
    throw new ValueError(`--runtime must be auto, onnx or tfjs, got '${runtime}'`);
  const onnx = runtime === 'tfjs' ? undefined : await onnxPredictor(net, runtime === 'onnx');
  console.error(
    `runtime: ${onnx ? 'onnxruntime-node (ONNX export of the weights)' : `tfjs ${backend.name}`}`,
  );
  const tile = Number(o.tile);
  const batchSize = Number(o.batch);
  const output = onnx
    ? await tiledPredict(image.input, onnx.predict, { tile, batchSize, inputChannels: 2 }).finally(() =>
        onnx.release(),
      )
    : await predictImage(net, image.input, tile, batchSize);
  const [flowY, flowX, distance, boundary] = channelPlanes(output);
  const prob = boundary!.map((v) => 1 / (1 + Math.exp(-v)));
  const out = String(o.out);
  const prefix = /\.tiff?$/i.test(out) ? out.replace(/\.tiff?$/i, '') : join(out, 'prediction');
  mkdirSync(dirname(prefix), { recursive: true });
  const planes = { flow_y: flowY!, flow_x: flowX!, distance: distance!, boundary: prob };
  for (const [name, data] of Object.entries(planes)) {
    writeFileSync(`${prefix}_${name}.tif`, writeTiff({ data, shape: image.shape }));
  }
  console.error(
    `predicted ${image.shape.join('×')} in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${prefix}_*.tif`,
  );
  net.dispose();
  return 0;
}
