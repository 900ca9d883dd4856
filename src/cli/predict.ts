/**
 * `sketchpose predict`: runs a trained network over a whole image in overlapping tiles (Omnipose's
 * layout and sigmoid taper) and writes the four outputs as float32 TIFFs: `<stem>_flow_y.tif`,
 * `<stem>_flow_x.tif`, `<stem>_distance.tif` and `<stem>_boundary.tif` (boundary probability).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backends/select.ts';
import { channelPlanes, tiledPredict } from '../engine/infer/index.ts';
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
  const output = await predictImage(net, image.input, Number(o.tile), Number(o.batch));
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
