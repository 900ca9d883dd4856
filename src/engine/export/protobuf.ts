/**
 * A minimal Protocol Buffers *writer* (wire format only, no schema, no reader), enough to encode
 * ONNX's ModelProto (onnx-proto.ts). Fields are written in call order as
 * `tag = (field << 3) | wireType` followed by the payload:
 * - wire type 0 (varint): int32/int64/enum/bool, base-128 little-endian groups, high bit = "more";
 *   negative integers take ten bytes (two's complement of the 64-bit value), as protobuf requires;
 * - wire type 2 (length-delimited): strings (UTF-8), bytes, nested messages and packed repeated
 *   scalars, as a varint byte length followed by the bytes;
 * - wire type 5 (fixed32): float, 4 bytes little-endian.
 *
 * A nested message is another `ProtoWriter`; `message()` appends its chunks without copying them,
 * so a 26 MB model is copied once, by `finish()`. Browser-safe: no Node imports.
 */
import { ValueError } from '../errors.ts';

const TEXT = new TextEncoder();

/** Wire types used here. */
export const WIRE_VARINT = 0;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

/** Bytes of the varint encoding of a non-negative safe integer, or of a negative one (ten bytes). */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new ValueError(`protobuf varint: ${value} is not a safe integer`);
  const out: number[] = [];
  if (value < 0) {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return Uint8Array.from(out);
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Accumulates the encoded fields of one message as a list of chunks. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** Encoded length in bytes so far. */
  get length(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private tag(field: number, wire: number): void {
    this.push(encodeVarint(field * 8 + wire));
  }

  /** An int32/int64/enum field (wire type 0). */
  varint(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.push(encodeVarint(value));
    return this;
  }

  /** A float field (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A bytes field (wire type 2); `bytes` is kept by reference, not copied. */
  bytes(field: number, bytes: Uint8Array): this {
    this.tag(field, WIRE_LENGTH);
    this.push(encodeVarint(bytes.length));
    if (bytes.length > 0) this.push(bytes);
    return this;
  }

  /** A string field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, TEXT.encode(value));
  }

  /** A packed repeated int64 field (proto3's default encoding of `repeated int64`). */
  packedVarints(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.push(encodeVarint(v));
    return this.message(field, inner);
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(4 * values.length);
    const view = new DataView(b.buffer);
    for (const [i, v] of values.entries()) view.setFloat32(4 * i, v, true);
    return this.bytes(field, b);
  }

  /** An embedded message (wire type 2); `inner`'s chunks are shared, not copied. */
  message(field: number, inner: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH);
    this.push(encodeVarint(inner.size));
    for (const c of inner.chunks) this.push(c);
    return this;
  }

  /** The encoded message as one contiguous buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
