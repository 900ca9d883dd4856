/**
 * The wasm training kernels (src/engine/backends/) against the `cpu` backend's own kernels, which
 * serve as the reference: the same inputs through `engine().runKernel` on both backends must agree
 * to 1e-4, measured as max |wasm − cpu| / max |cpu| over the output. Shapes are drawn from fixed
 * seeds: filters 1×1 and 3×3 (pools 2×2 and 3×3), 1-16 channels, batch 1-3, odd and even sizes,
 * strides 1-3, 'same'/'valid'/explicit padding, NHWC and NCHW. ResizeNearestNeighborGrad, which
 * is wrong on cpu, is checked against a brute-force reference in backends-training.test.ts.
 */
import {
  engine,
  maxPool,
  memory,
  type NamedAttrMap,
  type NamedTensorMap,
  randomNormal,
  setBackend,
  type Tensor,
  type Tensor4D,
  tensor,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backends/select.ts';
import { hasWasmGradients, WASM_GRADIENT_KERNELS } from '../../src/engine/backends/wasm-gradients.ts';
import { Random } from '../../src/engine/random.ts';

type Shape = number[];
interface KernelCase {
  label: string;
  inputs: Record<string, { shape: Shape; values: Float32Array | Int32Array }>;
  attrs: NamedAttrMap;
  /** Inputs computed on the backend from the others (MaxPoolGrad's forward output). */
  derive?: (inputs: NamedTensorMap) => NamedTensorMap;
}

function randomValues(rng: Random, shape: Shape): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => rng.normal());
}

/** Max absolute difference over the largest reference magnitude. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs one kernel on a backend from fresh tensors; returns its output values and shape. */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, c: KernelCase) {
  await setBackend(backend);
  const inputs: NamedTensorMap = {};
  for (const [name, { shape, values }] of Object.entries(c.inputs)) {
    inputs[name] = tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32');
  }
  Object.assign(inputs, c.derive?.(inputs));
  const before = memory().numTensors;
  const out = engine().runKernel(kernel, inputs, c.attrs) as Tensor;
  // The kernel may allocate only its output: the tidy scopes inside must free the rest.
  expect(memory().numTensors - before, `${kernel} ${c.label} leaks`).toBe(1);
  const values = await out.data();
  const shape = out.shape;
  out.dispose();
  Object.values(inputs).forEach((t) => {
    t.dispose();
  });
  return { values, shape };
}

async function expectSameOnWasmAndCpu(kernel: string, cases: KernelCase[]): Promise<void> {
  expect(cases.length).toBeGreaterThanOrEqual(20);
  for (const c of cases) {
    const ref = await runOn('cpu', kernel, c);
    const got = await runOn('wasm', kernel, c);
    expect(got.shape, `${kernel} ${c.label}`).toEqual(ref.shape);
    const error = relativeError(got.values, ref.values);
    if (process.env.BACKENDS_VERBOSE) console.log(kernel, c.label, error.toExponential(1));
    expect(error, `${kernel} ${c.label}`).toBeLessThan(1e-4);
  }
}

/** A random convolution: its input, filter and output-gradient shapes and attributes. */
function convCase(rng: Random, k: number) {
  // cycles of different lengths so every filter/stride/padding/layout combination occurs
  const kernel = k % 3 === 0 ? 1 : 3;
  const stride = k % 5 === 4 ? 2 : 1;
  const pads = [
    'same',
    'valid',
    'same',
    [
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ],
  ] as const;
  const pad = pads[k % 4]!;
  const [n, h, w] = [rng.int(1, 3), rng.int(3, 12), rng.int(3, 12)];
  const [inC, outC] = [rng.int(1, 16), rng.int(1, 16)];
  // output size: ceil(size / stride) for 'same', else floor((paddedSize − k) / stride) + 1
  const outSize = (size: number) =>
    pad === 'same'
      ? Math.ceil(size / stride)
      : Math.floor((size + (pad === 'valid' ? 0 : 1) - kernel) / stride) + 1;
  const [outH, outW] = [outSize(h), outSize(w)];
  const nchw = k % 7 === 6 && typeof pad === 'string';
  const x = nchw ? [n, inC, h, w] : [n, h, w, inC];
  const dy = nchw ? [n, outC, outH, outW] : [n, outH, outW, outC];
  const label = `#${k} x[${x}] k${kernel} s${stride} ${JSON.stringify(pad)} ${nchw ? 'NCHW' : 'NHWC'}`;
  return { x, dy, filter: [kernel, kernel, inC, outC], stride, pad, nchw, label };
}

beforeAll(async () => {
  const choice = await initBackend('auto');
  expect(choice.name).toBe('wasm');
});

describe('initBackend', () => {
  it("picks wasm with the training kernels in Node for 'auto', and says why", async () => {
    const choice = await initBackend('auto');
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toMatch(/SIMD on/);
    expect(choice.reason).toMatch(/Conv2DBackpropFilter/);
    expect(hasWasmGradients()).toBe(true);
    expect(WASM_GRADIENT_KERNELS).toContain('UnsortedSegmentSum');
  });

  it('falls back from a browser-only backend and names the reason', async () => {
    const choice = await initBackend('webgl');
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toMatch(/webgl unavailable: WebGL is browser-only/);
    expect((await initBackend('cpu')).name).toBe('cpu');
    await initBackend('auto');
  });

  it('rejects an unknown preference with a ValueError', async () => {
    await expect(initBackend('tpu' as 'cpu')).rejects.toMatchObject({ tag: 'ValueError' });
  });
});

describe('wasm training kernels match the cpu backend (max error / max |cpu| < 1e-4)', () => {
  it('Conv2DBackpropFilter on 24 random convolutions', async () => {
    const rng = new Random(81);
    const cases = Array.from({ length: 24 }, (_, k) => {
      const c = convCase(rng, k);
      return {
        label: c.label,
        inputs: {
          x: { shape: c.x, values: randomValues(rng, c.x) },
          dy: { shape: c.dy, values: randomValues(rng, c.dy) },
        },
        attrs: {
          strides: c.stride,
          pad: c.pad,
          dataFormat: c.nchw ? 'NCHW' : 'NHWC',
          filterShape: c.filter,
        } as NamedAttrMap,
      };
    });
    await expectSameOnWasmAndCpu('Conv2DBackpropFilter', cases);
  });

  it('Conv2DBackpropInput on 24 random convolutions (stride 2 and NCHW take the original kernel)', async () => {
    const rng = new Random(82);
    const cases = Array.from({ length: 24 }, (_, k) => {
      const c = convCase(rng, k);
      return {
        label: c.label,
        inputs: {
          dy: { shape: c.dy, values: randomValues(rng, c.dy) },
          filter: { shape: c.filter, values: randomValues(rng, c.filter) },
        },
        attrs: {
          strides: c.stride,
          pad: c.pad,
          dataFormat: c.nchw ? 'NCHW' : 'NHWC',
          inputShape: c.x,
        } as NamedAttrMap,
      };
    });
    await expectSameOnWasmAndCpu('Conv2DBackpropInput', cases);
  });

  it('UnsortedSegmentSum on 20 random segmentations, out-of-range ids dropped', async () => {
    const rng = new Random(83);
    const cases = Array.from({ length: 20 }, (_, k) => {
      const numSegments = rng.int(1, 10);
      // 1-D ids (the tfjs op's contract, and what the gather gradient passes); x of rank 1-3
      const ids = [rng.int(1, 30)];
      const x = [...ids, ...[[], [rng.int(1, 16)], [rng.int(1, 4), rng.int(1, 5)]][k % 3]!];
      const size = ids[0]!;
      // ids in [-1, numSegments]: mostly valid, some out of range on both sides
      const values = Int32Array.from({ length: size }, () => rng.int(-1, numSegments));
      return {
        label: `#${k} x[${x}] ids[${ids}] numSegments ${numSegments}`,
        inputs: { x: { shape: x, values: randomValues(rng, x) }, segmentIds: { shape: ids, values } },
        attrs: { numSegments },
      };
    });
    await expectSameOnWasmAndCpu('UnsortedSegmentSum', cases);
  });

  it('MaxPoolGrad on 24 random poolings, with signed values and ties (first maximum wins)', async () => {
    const rng = new Random(84);
    const cases = Array.from({ length: 24 }, (_, k) => {
      const filterSize = k % 2 === 0 ? 2 : 3;
      const stride = [filterSize, 1, 2][k % 3]!;
      const pad = k % 4 < 2 ? 'same' : 'valid';
      const x = [rng.int(1, 3), rng.int(3, 12), rng.int(3, 12), rng.int(1, 16)];
      const values = randomValues(rng, x);
      // k % 5 = 0: ReLU'd and rounded (all-zero windows, ties); 1: rounded signed (ties); else normal
      if (k % 5 < 2) {
        for (let i = 0; i < values.length; i++) {
          values[i] = Math.round((k % 5 === 0 ? Math.max(values[i]!, 0) : values[i]!) * 2) / 2;
        }
      }
      const attrs = { filterSize, strides: stride, pad } as NamedAttrMap;
      return {
        label: `#${k} x[${x}] pool ${filterSize} s${stride} ${pad}`,
        inputs: { input: { shape: x, values } },
        attrs,
        derive: (t: NamedTensorMap) => {
          const output = maxPool(t.input as Tensor4D, filterSize, stride, pad);
          return { output, dy: randomNormal(output.shape, 0, 1, 'float32', k + 1) }; // seed 0 means unseeded
        },
      };
    });
    await expectSameOnWasmAndCpu('MaxPoolGrad', cases);
  });
});
