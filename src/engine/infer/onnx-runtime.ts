/**
 * Node-only: runs an exported CPnet (src/engine/export/onnx.ts) in onnxruntime-node and adapts it
 * to tiled-predict.ts's `PredictFn`: tiles arrive NHWC float32, are transposed to NCHW for the
 * graph's `image` input, and the `output` (NCHW) comes back transposed to NHWC. Not exported from
 * the browser-safe `infer` barrel; import this file directly.
 *
 * @example
 * const onnx = await createOnnxPredictor(readFileSync('model.onnx'), { threads: 2 });
 * const out = await tiledPredict(input, onnx.predict, { tile: 224 });
 * await onnx.release();
 */
import * as ort from 'onnxruntime-node';
import { ShapeError, ValueError } from '../errors.ts';
import type { PredictFn } from './tiled-predict.ts';

export interface OnnxPredictorOptions {
  /** Intra-op threads of the session (0: onnxruntime's default, one per core). Default 0. */
  threads?: number;
  /** Graph input name. Default `image`. */
  inputName?: string;
  /** Graph output returned by `predict`. Default `output`. */
  outputName?: string;
}

export interface OnnxPredictor {
  /** NHWC tiles in, NHWC outputs out (`PredictFn`). */
  predict: PredictFn;
  /** Channels the graph takes and returns (from its declared shapes). */
  inputChannels: number;
  outputChannels: number;
  /** Frees the session; `predict` fails afterwards. */
  release(): Promise<void>;
}

/** `[n, h, w, c]` → `[n, c, h, w]`, or the inverse with `toNchw` false. */
export function transposeChannels(
  src: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  toNchw: boolean,
): Float32Array {
  const dst = new Float32Array(src.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) {
        const hwc = base + p * c + k;
        const chw = base + k * plane + p;
        if (toNchw) dst[chw] = src[hwc]!;
        else dst[hwc] = src[chw]!;
      }
    }
  }
  return dst;
}

/** Channel count (axis 1) a session declares for a tensor, or `undefined` if symbolic/unknown. */
function declaredChannels(
  meta: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): number | undefined {
  const m = meta.find((v) => v.name === name);
  if (!m?.isTensor) return undefined;
  const d = m.shape[1];
  return typeof d === 'number' ? d : undefined;
}

/** A session over `modelBytes` (a `.onnx` file) and its `PredictFn`. */
export async function createOnnxPredictor(
  modelBytes: Uint8Array,
  options: OnnxPredictorOptions = {},
): Promise<OnnxPredictor> {
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0)
    throw new ValueError(`threads must be a non-negative integer, got ${threads}`);
  const inputName = options.inputName ?? 'image';
  const outputName = options.outputName ?? 'output';
  const session = await ort.InferenceSession.create(modelBytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new ValueError(
      `ONNX model has inputs [${session.inputNames}] and outputs [${session.outputNames}], ` +
        `expected '${inputName}' and '${outputName}'`,
    );
  }
  const inputChannels = declaredChannels(session.inputMetadata, inputName) ?? 2;
  const outputChannels = declaredChannels(session.outputMetadata, outputName) ?? 4;
  const predict: PredictFn = async (batch, n, tileH, tileW, signal) => {
    signal?.throwIfAborted();
    const c = inputChannels;
    if (batch.length !== n * tileH * tileW * c) {
      throw new ShapeError(`predict: ${batch.length} values for [${n}, ${tileH}, ${tileW}, ${c}]`);
    }
    const input = new ort.Tensor('float32', transposeChannels(batch, n, tileH, tileW, c, true), [
      n,
      c,
      tileH,
      tileW,
    ]);
    const result = await session.run({ [inputName]: input }, [outputName]);
    input.dispose();
    const out = result[outputName] as ort.Tensor;
    const data = transposeChannels(out.data as Float32Array, n, tileH, tileW, outputChannels, false);
    out.dispose();
    signal?.throwIfAborted();
    return data;
  };
  return { predict, inputChannels, outputChannels, release: () => session.release() };
}
