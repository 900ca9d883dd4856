/**
 * ONNX's protobuf messages (onnx/onnx.proto3, IR versions 8-10) as plain objects, and their encoding
 * with protobuf.ts. Only the fields an inference graph of dense float tensors needs are written:
 *
 * | message              | fields (number)                                                          |
 * |----------------------|--------------------------------------------------------------------------|
 * | ModelProto           | ir_version 1, producer_name 2, producer_version 3, doc_string 6,          |
 * |                      | graph 7, opset_import 8, metadata_props 14                               |
 * | OperatorSetIdProto   | domain 1, version 2                                                      |
 * | GraphProto           | node 1, name 2, initializer 5, doc_string 10, input 11, output 12        |
 * | NodeProto            | input 1, output 2, name 3, op_type 4, attribute 5                        |
 * | AttributeProto       | name 1, f 2, i 3, s 4, floats 7, ints 8, type 20                          |
 * | TensorProto          | dims 1, data_type 2, name 8, raw_data 9 (little-endian)                  |
 * | ValueInfoProto       | name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 →        |
 * |                      | TensorShapeProto.dim 1 → dim_value 1 / dim_param 2                       |
 * | StringStringEntry    | key 1, value 2                                                           |
 */
import { ProtoWriter } from './protobuf.ts';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** The IR version released with an opset: 8 up to opset 17 (ONNX 1.12), 9 for 18–19, 10 for 20–21. */
export function irVersionForOpset(opset: number): number {
  return opset <= 17 ? 8 : opset <= 19 ? 9 : 10;
}

/** AttributeProto.AttributeType values. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A constant tensor: float32 or int64 values, row-major. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** A graph input or output: float32 with fixed sizes (numbers) or symbolic ones (strings). */
export interface OnnxValueInfo {
  name: string;
  dims: readonly (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  graph: OnnxGraph;
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

function encodeAttribute(name: string, a: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'int':
      return w.varint(3, a.value).varint(20, ATTR_INT);
    case 'float':
      return w.float(2, a.value).varint(20, ATTR_FLOAT);
    case 'string':
      return w.string(4, a.value).varint(20, ATTR_STRING);
    case 'ints':
      return w.packedVarints(8, a.value).varint(20, ATTR_INTS);
    case 'floats':
      return w.packedFloats(7, a.value).varint(20, ATTR_FLOATS);
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  return w;
}

/** Raw little-endian bytes of a typed array (a view when the platform is little-endian). */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v: number | bigint, i: number) => {
    if (typeof v === 'bigint') view.setBigInt64(8 * i, v, true);
    else view.setFloat32(4 * i, v, true);
  });
  return out;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.varint(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64);
  w.string(8, t.name);
  return w.bytes(9, littleEndianBytes(t.data));
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, ONNX_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  if (g.docString) w.string(10, g.docString);
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w;
}

/** The serialized ModelProto (the bytes of a `.onnx` file). */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().varint(1, irVersionForOpset(m.opset));
  w.string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  w.message(8, new ProtoWriter().string(1, '').varint(2, m.opset));
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return w.finish();
}
