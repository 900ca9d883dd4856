/**
 * `sketchpose export --model <dir|weights.json|.pth> --out model.onnx [--opset 17]`: writes the
 * network as an ONNX model (src/engine/export/onnx.ts: eval mode, BatchNorm folded, NCHW, input
 * `image` [N, 2, H, W], outputs `output` [N, 4, H, W] and `style`). The file is regenerated from
 * the weights each time; it is a derived artefact, never edited. `--verify` runs a random
 * 1×nchan×64×64 input through the file in onnxruntime-node and through the TensorFlow.js network
 * and prints their relative difference (max |a − b| / max |b|); above 1e-4 the command fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tensor4d } from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backends/select.ts';
import { ValueError } from '../engine/errors.ts';
import { DEFAULT_OPSET, exportCPnetOnnx } from '../engine/export/onnx.ts';
import type { CPnet } from '../engine/model/index.ts';
import { Random } from '../engine/random.ts';
import { parseArgs, usage } from './args.ts';
import { loadModel } from './model-files.ts';

const SPEC = {
  model: { required: true, help: 'model directory, weights.json manifest, or Omnipose/Cellpose .pth' },
  out: { required: true, help: 'ONNX file to write' },
  opset: { default: String(DEFAULT_OPSET), help: 'ONNX opset, 13-21' },
  'no-style': { flag: true, help: 'leave out the style output' },
  verify: { flag: true, help: 'compare onnxruntime-node with TensorFlow.js on a random 64×64 input' },
  backend: { default: 'auto', help: 'TensorFlow.js backend: auto, wasm or cpu' },
  quiet: { flag: true, help: 'print nothing but errors' },
  help: { flag: true, help: 'show this help' },
} as const;

export const EXPORT_HELP = usage('export', 'write a model as ONNX (eval mode, BatchNorm folded)', SPEC);

/** Relative difference of the ONNX file and `net` on one seeded random input. */
export async function verifyOnnx(net: CPnet, bytes: Uint8Array, side = 64): Promise<number> {
  const { nchan } = net.config;
  const rng = new Random(1);
  const x = Float32Array.from({ length: side * side * nchan }, () => rng.uniform(-1, 1));
  // Loaded on demand, so other commands never load onnxruntime-node's native binding.
  const { createOnnxPredictor } = await import('../engine/infer/onnx-runtime.ts');
  const onnx = await createOnnxPredictor(bytes);
  try {
    const ours = await onnx.predict(x, 1, side, side);
    const t = tensor4d(x, [1, side, side, nchan]);
    const y = net.apply(t, { training: false });
    const ref = (await y.data()) as Float32Array;
    t.dispose();
    y.dispose();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(ours[i]! - ref[i]!));
      scale = Math.max(scale, Math.abs(ref[i]!));
    }
    return diff / scale;
  } finally {
    await onnx.release();
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs(argv, SPEC);
  if (o.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  const opset = Number(o.opset);
  if (!Number.isInteger(opset)) throw new ValueError(`--opset must be an integer, got '${o.opset}'`);
  const log = (m: string) => {
    if (!o.quiet) console.error(m);
  };
  const backend = await initBackend(String(o.backend) as 'auto');
  log(`backend: ${backend.name}`);
  const net = loadModel(String(o.model));
  try {
    const result = await exportCPnetOnnx(net, { opset, style: !o['no-style'] });
    const out = String(o.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, result.bytes);
    const f = result.folds;
    log(
      `wrote ${out}: ${(result.bytes.length / 2 ** 20).toFixed(1)} MiB, opset ${opset}, ${result.nodes} nodes, ` +
        `${result.parameters} weights; BatchNorm folded: ${f.intoPrecedingConv} into preceding convs, ` +
        `${f.intoFollowingConv} into following 1×1 convs, ${f.intoStyleLinear} into style Linears ` +
        `(${f.styleLinearWithMul} with a Mul left), ${f.asMulAdd} as Mul+Add`,
    );
    if (o.verify) {
      const err = await verifyOnnx(net, result.bytes);
      log(`verify: onnxruntime-node vs TensorFlow.js relative difference ${err.toExponential(2)}`);
      if (!(err <= 1e-4)) {
        console.error(`sketchpose export: verification failed (${err} > 1e-4)`);
        return 3;
      }
    }
    return 0;
  } finally {
    net.dispose();
  }
}
