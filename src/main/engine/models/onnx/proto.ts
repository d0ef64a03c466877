/**
 * Reading an .onnx file into plain objects: the protobuf decoded with protobufjs, 64-bit
 * integers as numbers, tensors as typed arrays. The checks here are about the file itself
 * (readable, an ONNX model with one graph, a supported opset, weights inside the file); what
 * the graph computes is checked by the converter.
 */
import { promises as fs } from 'node:fs';
import { ModelError } from '../errors';
import { DataType, ModelProtoType } from './schema';

/** Opsets of the default ONNX domain this importer implements. */
export const OPSET_RANGE = [11, 18] as const;

/** Largest .onnx file read (the whole file is decoded in memory). */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

type Long = { toNumber(): number } | number;

export interface RawAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: Long;
  s?: Uint8Array;
  t?: RawTensor;
  g?: unknown;
  floats?: number[];
  ints?: Long[];
  strings?: Uint8Array[];
  refAttrName?: string;
}

export interface RawTensor {
  dims?: Long[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Long[];
  doubleData?: number[];
  uint64Data?: Long[];
  stringData?: Uint8Array[];
  rawData?: Uint8Array;
  name?: string;
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
}

interface RawValueInfo {
  name: string;
  type?: {
    tensorType?: {
      elemType?: number;
      shape?: { dim?: { dimValue?: Long; dimParam?: string }[] };
    };
  };
}

export interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: RawAttribute[];
}

interface RawModel {
  irVersion?: Long;
  opsetImport?: { domain?: string; version?: Long }[];
  producerName?: string;
  producerVersion?: string;
  graph?: {
    node?: RawNode[];
    name?: string;
    initializer?: RawTensor[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
  };
  metadataProps?: { key: string; value: string }[];
}

/** A constant: an initialiser, a Constant node's value or a folded result. */
export interface ConstTensor {
  /** ONNX element type (DataType). Integers and booleans are held as float64 numbers. */
  dataType: number;
  dims: number[];
  data: Float32Array | Float64Array;
}

/** A graph input or output: name, element type and dims (a symbolic dim is null). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | null)[] | null;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, RawAttribute>;
}

export interface OnnxModel {
  file: string;
  irVersion: number;
  opset: number;
  producer: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: Map<string, ConstTensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  metadata: Record<string, string>;
}

export const num = (v: Long | undefined): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

const TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export const typeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Element values of raw little-endian bytes. */
function fromRaw(bytes: Uint8Array, dataType: number, count: number): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8 };
  const w = width[dataType];
  if (w === undefined) throw new Error(`tensors of ${typeName(dataType)} are not supported`);
  if (bytes.byteLength !== count * w) {
    throw new Error(`raw data has ${bytes.byteLength} bytes, its dims need ${count * w}`);
  }
  if (dataType === DataType.FLOAT) {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * w;
    out[i] =
      dataType === 2 || dataType === 9
        ? view.getUint8(o)
        : dataType === 3
          ? view.getInt8(o)
          : dataType === 6
            ? view.getInt32(o, true)
            : dataType === 7
              ? Number(view.getBigInt64(o, true))
              : dataType === 10
                ? float16(view.getUint16(o, true))
                : view.getFloat64(o, true);
  }
  return out;
}

/** A TensorProto as a ConstTensor; throws a plain Error with the reason when it cannot be read. */
export function tensorOf(t: RawTensor): ConstTensor {
  const dims = (t.dims ?? []).map(num);
  if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) {
    throw new Error(`dims [${dims.join(', ')}] are not valid`);
  }
  const dataType = t.dataType ?? 0;
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new Error(
      'its data is in an external file; export with the weights inside the .onnx file (torch.onnx.export does so below 2 GB)',
    );
  }
  let data: Float32Array | Float64Array;
  if (t.rawData && t.rawData.byteLength > 0) data = fromRaw(t.rawData, dataType, count);
  else {
    const list: number[] | undefined =
      dataType === DataType.FLOAT
        ? t.floatData
        : dataType === DataType.DOUBLE
          ? t.doubleData
          : dataType === DataType.INT64
            ? t.int64Data?.map(num)
            : dataType === 13
              ? t.uint64Data?.map(num)
              : [2, 3, 4, 5, 6, 9, 10].includes(dataType)
                ? t.int32Data
                : undefined;
    if (!list) throw new Error(`tensors of ${typeName(dataType)} are not supported`);
    const values = dataType === 10 ? list.map(float16) : list;
    if (values.length !== count) {
      throw new Error(`holds ${values.length} values, its dims [${dims.join(', ')}] need ${count}`);
    }
    data = dataType === DataType.FLOAT ? Float32Array.from(values) : Float64Array.from(values);
  }
  if (dataType === 10) data = Float32Array.from(data);
  return { dataType: dataType === 10 ? DataType.FLOAT : dataType, dims, data };
}

function valueInfo(v: RawValueInfo): ValueInfo {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim
    ? tt.shape.dim.map((d) =>
        d.dimValue !== undefined && num(d.dimValue) > 0 ? num(d.dimValue) : null,
      )
    : null;
  return { name: v.name, elemType: tt?.elemType ?? 0, dims };
}

/** Decode an .onnx file's bytes. Errors are ModelErrors naming the file. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxModel {
  let raw: RawModel;
  try {
    raw = ModelProtoType.decode(bytes) as unknown as RawModel;
  } catch (err) {
    throw new ModelError(
      file,
      `not a readable ONNX model (${(err as Error).message.split('\n')[0]}): the file is truncated or not an .onnx export`,
    );
  }
  const graph = raw.graph;
  if (!graph || !graph.node || graph.node.length === 0) {
    throw new ModelError(file, 'not an ONNX model: it has no graph with nodes');
  }
  const opsets = raw.opsetImport ?? [];
  const main = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = main ? num(main.version) : 0;
  if (opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1]) {
    throw new ModelError(
      file,
      `opset ${opset || '(none)'} is not supported: export with opset_version between ${OPSET_RANGE[0]} and ${OPSET_RANGE[1]} (torch.onnx.export(..., opset_version=17))`,
    );
  }
  const other = opsets.find((o) => o.domain && o.domain !== 'ai.onnx');
  const initializers = new Map<string, ConstTensor>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    try {
      initializers.set(name, tensorOf(t));
    } catch (err) {
      throw new ModelError(file, `initializer "${name}": ${(err as Error).message}`);
    }
  }
  const nodes = graph.node.map((n, i): OnnxNode => ({
    name: n.name || `#${i} ${n.opType ?? ''}`.trim(),
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: new Map((n.attribute ?? []).map((a) => [a.name, a])),
  }));
  const custom = nodes.find((n) => n.domain && n.domain !== 'ai.onnx');
  if (custom) {
    throw new ModelError(
      file,
      `node "${custom.name}" (${custom.opType}, domain ${custom.domain}${other ? ` opset ${num(other.version)}` : ''}) is a custom operator; only the standard ONNX domain is supported`,
    );
  }
  return {
    file,
    irVersion: num(raw.irVersion),
    opset,
    producer: [raw.producerName, raw.producerVersion].filter(Boolean).join(' ') || 'unknown',
    graphName: graph.name ?? '',
    nodes,
    initializers,
    inputs: (graph.input ?? []).map(valueInfo).filter((v) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map(valueInfo),
    metadata: Object.fromEntries((raw.metadataProps ?? []).map((p) => [p.key, p.value])),
  };
}

export async function readOnnxFile(file: string): Promise<OnnxModel> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new ModelError(file, 'no such file');
  }
  if (!stat.isFile()) throw new ModelError(file, 'not a file');
  if (stat.size > MAX_ONNX_BYTES) {
    throw new ModelError(file, `is ${stat.size} bytes; the importer reads .onnx files up to 2 GiB`);
  }
  return decodeOnnx(new Uint8Array(await fs.readFile(file)), file);
}
