/**
 * The pieces under the ONNX exporter. Invariants: the protobuf writer produces the wire bytes of
 * the protobuf encoding guide (varint 150 → `08 96 01`, string "testing", an embedded message,
 * ten-byte negative varints, little-endian fixed32 floats); each BatchNorm fold gives, for random
 * tensors with negative scales, the same result as applying the BN affine map and the layer
 * separately (to float32 rounding); a BN cannot be folded into the input of a 3×3 conv.
 */
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/engine/errors.ts';
import {
  batchNormAffine,
  type ConvParams,
  foldIntoConvInput,
  foldIntoConvOutput,
  foldIntoLinearOutput,
} from '../../src/engine/export/fold.ts';
import { encodeVarint, ProtoWriter } from '../../src/engine/export/protobuf.ts';
import { Random } from '../../src/engine/random.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('protobuf writer', () => {
  it('varints, including 64-bit negatives', () => {
    expect([0, 1, 127, 128, 150, 300].map((v) => hex(encodeVarint(v)))).toEqual([
      '00',
      '01',
      '7f',
      '8001',
      '9601',
      'ac02',
    ]);
    expect(hex(encodeVarint(2 ** 35))).toBe('8080808080' + '01');
    expect(hex(encodeVarint(-1))).toBe(`${'ff'.repeat(9)}01`);
    expect(() => encodeVarint(0.5)).toThrow(ValueError);
  });

  it('fields: varint, string, embedded message, float, packed int64', () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    const inner = new ProtoWriter().varint(1, 150);
    expect(hex(new ProtoWriter().message(3, inner).finish())).toBe('1a03089601');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('150000803f');
    expect(hex(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
    expect(new ProtoWriter().string(1, 'ab').message(2, inner).length).toBe(4 + 5);
  });
});

describe('BatchNorm folding', () => {
  const rng = new Random(4);
  const rand = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
  const bnOf = (c: number) => batchNormAffine(rand(c, -2, 2), rand(c), rand(c), rand(c, 0.2, 3));

  /** Direct `[out, in, k, k]` conv at one pixel of a k×k patch `[in, k, k]`. */
  const convAt = (p: ConvParams, patch: ArrayLike<number>) =>
    Array.from({ length: p.out }, (_, o) => {
      let s = p.bias[o]!;
      for (let j = 0; j < p.in * p.k * p.k; j++) s += p.weight[o * p.in * p.k * p.k + j]! * patch[j]!;
      return s;
    });

  it('into the preceding conv: BN(conv(x)) = conv′(x)', () => {
    const conv: ConvParams = { weight: rand(5 * 3 * 9), bias: rand(5), out: 5, in: 3, k: 3 };
    const bn = bnOf(5);
    const patch = rand(27);
    const ref = convAt(conv, patch).map((v, o) => bn.scale[o]! * v + bn.shift[o]!);
    for (const [o, v] of convAt(foldIntoConvOutput(conv, bn), patch).entries())
      expect(v).toBeCloseTo(ref[o]!, 5);
  });

  it('into a following 1×1 conv: conv(BN(x)) = conv′(x); a 3×3 conv refuses', () => {
    const conv: ConvParams = { weight: rand(4 * 6), bias: rand(4), out: 4, in: 6, k: 1 };
    const bn = bnOf(6);
    const x = rand(6);
    const ref = convAt(
      conv,
      x.map((v, i) => bn.scale[i]! * v + bn.shift[i]!),
    );
    for (const [o, v] of convAt(foldIntoConvInput(conv, bn), x).entries()) expect(v).toBeCloseTo(ref[o]!, 5);
    const conv3: ConvParams = { ...conv, weight: rand(4 * 6 * 9), k: 3 };
    expect(() => foldIntoConvInput(conv3, bn)).toThrow(ValueError);
  });

  it('into the style Linear ([in, out] layout): BN(a + zW + b) = s·a + (zW′ + b′)', () => {
    const [cin, cout] = [3, 4];
    const [w, b, z, a] = [rand(cin * cout), rand(cout), rand(cin), rand(cout)];
    const bn = bnOf(cout);
    const folded = foldIntoLinearOutput(w, b, bn);
    for (let o = 0; o < cout; o++) {
      let lin = b[o]!;
      let lin2 = folded.bias[o]!;
      for (let i = 0; i < cin; i++) {
        lin += z[i]! * w[i * cout + o]!;
        lin2 += z[i]! * folded.weight[i * cout + o]!;
      }
      const ref = bn.scale[o]! * (a[o]! + lin) + bn.shift[o]!;
      expect(bn.scale[o]! * a[o]! + lin2).toBeCloseTo(ref, 5);
    }
  });
});
