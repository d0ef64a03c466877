/**
 * A LayersClassifier → an ONNX file PyTorch users can load (onnxruntime, onnx2torch…): input
 * NCHW float images in [0,1] named "input" with a dynamic batch axis, output "logits". The
 * classifier's preprocessing becomes Mul/Add nodes at the start of the graph, so the file takes
 * the same [0,1] pixels as the product does, like a RobustBench model.
 *
 * Every 4-D (NHWC) tensor of the model is held NCHW in the graph ("nchw" below); layers whose
 * result depends on memory order (Flatten, Reshape, Permute) see the model's own NHWC order
 * through one Transpose, so the file computes exactly what the model computes.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayersClassifier } from '../classifier';
import { isIdentity } from '../preprocessing';
import { META_KEYS } from './import';
import { DataType, ModelProtoType } from './schema';

type Layer = tf.layers.Layer;
type Cfg = Record<string, unknown>;

interface Val {
  name: string;
  /** Rank of the model's tensor (with the batch axis). */
  rank: number;
  /** A 4-D model tensor [N, H, W, C] held as [N, C, H, W]. */
  nchw: boolean;
  /** The model's per-sample shape (NHWC order for images). */
  shape: number[];
}

interface NodeOut {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: Record<string, unknown>[];
}

export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

const attrInt = (name: string, i: number) => ({ name, type: 2, i });
const attrInts = (name: string, ints: number[]) => ({ name, type: 7, ints });
const attrFloat = (name: string, f: number) => ({ name, type: 1, f });
const attrString = (name: string, s: string) => ({ name, type: 3, s: new TextEncoder().encode(s) });

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** Axis of an NHWC model tensor → axis of its NCHW form. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])];
  return [Number(v), Number(v)];
}

/** TensorFlow's 'same' padding as explicit [top, left, bottom, right]. */
function samePads(
  size: [number, number],
  kernel: [number, number],
  strides: [number, number],
): number[] {
  const total = size.map((d, i) =>
    Math.max((Math.ceil(d / strides[i]) - 1) * strides[i] + kernel[i] - d, 0),
  );
  const before = total.map((t) => Math.floor(t / 2));
  return [before[0], before[1], total[0] - before[0], total[1] - before[1]];
}

/** Transpose a row-major array of `dims` by `perm`. */
function transpose(data: Float32Array, dims: number[], perm: number[]): Float32Array {
  const out = new Float32Array(data.length);
  const outDims = perm.map((p) => dims[p]);
  const st = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k] * st[perm[k]];
    out[o] = data[src];
    for (let k = outDims.length - 1; k >= 0; k--) {
      if (++idx[k] < outDims[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

class GraphWriter {
  readonly nodes: NodeOut[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  private counter = 0;
  private readonly used = new Set<string>();

  fresh(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_./-]+/g, '_');
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  init(
    base: string,
    dims: number[],
    data: ArrayLike<number>,
    dataType: number = DataType.FLOAT,
  ): string {
    const name = this.fresh(base);
    const bytes =
      dataType === DataType.INT64
        ? new Uint8Array(BigInt64Array.from(Array.from(data, (v) => BigInt(Math.trunc(v)))).buffer)
        : new Uint8Array(Float32Array.from(data).buffer);
    this.initializers.push({ name, dims, dataType, rawData: bytes });
    return name;
  }

  node(
    opType: string,
    input: string[],
    base: string,
    attribute: Record<string, unknown>[] = [],
  ): string {
    const output = this.fresh(`${base}_out`);
    this.nodes.push({ opType, input, output: [output], name: this.fresh(base), attribute });
    return output;
  }
}

export interface OnnxExportOptions {
  /** Default 17 (PyTorch 1.13–2.x's default range). */
  opset?: number;
}

export function exportClassifierToOnnx(
  c: LayersClassifier,
  opts: OnnxExportOptions = {},
): Uint8Array {
  const opset = opts.opset ?? 17;
  const g = new GraphWriter();
  const model = c.model;
  const [h, w, ch] = c.inputShape;
  const values = new Map<string, Val>();
  const key = (t: tf.SymbolicTensor) => `${t.sourceLayer.name}:${t.nodeIndex}:${t.tensorIndex}`;

  let x = g.fresh('input');
  const input = x;
  const p = c.preprocessing;
  if (!isIdentity(p, ch)) {
    // y = ((x·(hi − lo) + lo)[order] − mean) / std, as one per-channel scale and shift.
    const [lo, hi] = p.inputRange;
    if (p.channelOrder === 'bgr' && ch === 3) {
      x = g.node('Gather', [x, g.init('bgr_order', [3], [2, 1, 0], DataType.INT64)], 'to_bgr', [
        attrInt('axis', 1),
      ]);
    }
    const mean = Array.from({ length: ch }, (_, i) => p.mean?.[p.mean.length === 1 ? 0 : i] ?? 0);
    const std = Array.from({ length: ch }, (_, i) => p.std?.[p.std.length === 1 ? 0 : i] ?? 1);
    const scale = std.map((s) => (hi - lo) / s);
    const shift = std.map((s, i) => (lo - mean[i]) / s);
    x = g.node('Mul', [x, g.init('preprocess_scale', [ch, 1, 1], scale)], 'preprocess_scale');
    x = g.node('Add', [x, g.init('preprocess_shift', [ch, 1, 1], shift)], 'preprocess_shift');
  }
  const inputTensor = model.inputs[0];
  values.set(key(inputTensor), { name: x, rank: 4, nchw: true, shape: [h, w, ch] });

  /** The value in the model's own axis order. */
  const modelOrder = (v: Val, base: string): string =>
    v.nchw ? g.node('Transpose', [v.name], `${base}_nhwc`, [attrInts('perm', TO_NHWC)]) : v.name;
  /** A model-order tensor of shape `shape` as a Val (4-D ones go to NCHW). */
  const fromModelOrder = (name: string, shape: number[], base: string): Val =>
    shape.length === 3
      ? {
          name: g.node('Transpose', [name], `${base}_nchw`, [attrInts('perm', TO_NCHW)]),
          rank: 4,
          nchw: true,
          shape,
        }
      : { name, rank: shape.length + 1, nchw: false, shape };

  for (const layer of model.layers) {
    const node = (
      layer as unknown as {
        inboundNodes: { inputTensors: tf.SymbolicTensor[]; outputTensors: tf.SymbolicTensor[] }[];
      }
    ).inboundNodes;
    const inb = node.find(
      (n) => n.inputTensors.length > 0 && n.inputTensors.every((t) => values.has(key(t))),
    );
    if (layer.getClassName() === 'InputLayer' || !inb) continue;
    const ins = inb.inputTensors.map((t) => values.get(key(t))!);
    const outT = inb.outputTensors[0];
    const outShape = (outT.shape as (number | null)[]).slice(1) as number[];
    const out = exportLayer(g, layer, ins, outShape, modelOrder, fromModelOrder);
    values.set(key(outT), out);
  }
  const last = values.get(key(model.outputs[0]));
  if (!last) throw new OnnxExportError("the model's output could not be traced through its layers");
  let logits = last.nchw ? modelOrder(last, 'output') : last.name;
  if (last.rank !== 2) logits = g.node('Flatten', [logits], 'output_flatten', [attrInt('axis', 1)]);
  const finalName = 'logits';
  g.nodes.push({
    opType: 'Identity',
    input: [logits],
    output: [finalName],
    name: 'logits_identity',
    attribute: [],
  });

  const tensorType = (dims: (number | string)[]) => ({
    tensorType: {
      elemType: DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  });
  const metadata: Record<string, string> = {
    [META_KEYS.name]: c.name,
    [META_KEYS.input]: 'NCHW float32 images in [0,1]; the preprocessing is in the graph',
  };
  if (c.classNames) metadata[META_KEYS.classNames] = JSON.stringify(c.classNames);
  const msg = ModelProtoType.create({
    irVersion: opset >= 15 ? 8 : 7,
    producerName: 'DMAT Studio',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: c.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: input, type: tensorType(['batch', ch, h, w]) }],
      output: [{ name: finalName, type: tensorType(['batch', c.numClasses]) }],
    },
    metadataProps: Object.entries(metadata).map(([k, v]) => ({ key: k, value: v })),
  });
  return ModelProtoType.encode(msg).finish();
}

function weightsOf(layer: Layer): { dims: number[]; data: Float32Array }[] {
  return layer.getWeights().map((t) => ({ dims: t.shape, data: t.dataSync() as Float32Array }));
}

function activation(g: GraphWriter, name: string, act: string | undefined, base: string): string {
  switch (act ?? 'linear') {
    case 'linear':
      return name;
    case 'relu':
      return g.node('Relu', [name], base);
    case 'relu6':
      return g.node(
        'Clip',
        [name, g.init(`${base}_min`, [], [0]), g.init(`${base}_max`, [], [6])],
        base,
      );
    case 'sigmoid':
      return g.node('Sigmoid', [name], base);
    case 'tanh':
      return g.node('Tanh', [name], base);
    case 'softplus':
      return g.node('Softplus', [name], base);
    case 'elu':
      return g.node('Elu', [name], base, [attrFloat('alpha', 1)]);
    case 'swish':
      return g.node('Mul', [name, g.node('Sigmoid', [name], `${base}_sigmoid`)], base);
    case 'gelu':
      return gelu(g, name, base);
    default:
      throw new OnnxExportError(`activation "${act}" of layer ${base} has no ONNX export`);
  }
}

function gelu(g: GraphWriter, x: string, base: string): string {
  const e = g.node(
    'Erf',
    [g.node('Div', [x, g.init(`${base}_sqrt2`, [], [Math.SQRT2])], `${base}_div`)],
    `${base}_erf`,
  );
  const half = g.node('Mul', [x, g.init(`${base}_half`, [], [0.5])], `${base}_half`);
  return g.node(
    'Mul',
    [half, g.node('Add', [e, g.init(`${base}_one`, [], [1])], `${base}_add`)],
    base,
  );
}

/** Constant in a layer's (model-order) shape → its form against a Val. */
function constantAgainst(
  v: Val,
  dims: number[],
  data: Float32Array,
): { dims: number[]; data: Float32Array } {
  if (!v.nchw) return { dims, data };
  if (data.length === 1) return { dims: [], data };
  const four = [...new Array<number>(4 - dims.length).fill(1), ...dims];
  return { dims: TO_NCHW.map((p) => four[p]), data: transpose(data, four, TO_NCHW) };
}

function exportLayer(
  g: GraphWriter,
  layer: Layer,
  ins: Val[],
  outShape: number[],
  modelOrder: (v: Val, base: string) => string,
  fromModelOrder: (name: string, shape: number[], base: string) => Val,
): Val {
  const cfg = layer.getConfig() as Cfg;
  const cls = layer.getClassName();
  const base = layer.name;
  const x = ins[0];
  const same = (name: string): Val => ({ ...x, name, shape: outShape });
  const image = (name: string): Val => ({ name, rank: 4, nchw: true, shape: outShape });
  const needImage = () => {
    if (!x.nchw) throw new OnnxExportError(`layer ${base} (${cls}) expects an image tensor`);
  };
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      needImage();
      if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast')
        throw new OnnxExportError(`layer ${base}: only channelsLast convolutions export`);
      const dil = pair(cfg.dilationRate ?? 1);
      if (dil[0] !== 1 || dil[1] !== 1)
        throw new OnnxExportError(`layer ${base}: dilated convolutions do not export`);
      const [kw0, ...rest] = weightsOf(layer);
      const [kh, kwid, cin, m] = kw0.dims;
      const strides = pair(cfg.strides);
      const pads =
        cfg.padding === 'same'
          ? samePads([x.shape[0], x.shape[1]], [kh, kwid], strides)
          : [0, 0, 0, 0];
      let wDims: number[];
      let wData: Float32Array;
      const attrs: Record<string, unknown>[] = [
        attrInts('kernel_shape', [kh, kwid]),
        attrInts('strides', strides),
        attrInts('pads', pads),
      ];
      if (cls === 'DepthwiseConv2D') {
        wData = transpose(kw0.data, kw0.dims, [2, 3, 0, 1]);
        wDims = [cin * m, 1, kh, kwid];
        attrs.push(attrInt('group', cin));
      } else {
        wData = transpose(kw0.data, kw0.dims, [3, 2, 0, 1]);
        wDims = [m, cin, kh, kwid];
      }
      const inputs = [x.name, g.init(`${base}.weight`, wDims, wData)];
      if (cfg.useBias && rest[0]) inputs.push(g.init(`${base}.bias`, rest[0].dims, rest[0].data));
      const y = g.node('Conv', inputs, base, attrs);
      return image(activation(g, y, cfg.activation as string, `${base}_act`));
    }
    case 'Dense': {
      if (x.rank !== 2)
        throw new OnnxExportError(
          `layer ${base}: Dense on a rank-${x.rank} tensor does not export`,
        );
      const [k, b] = weightsOf(layer);
      const inputs = [x.name, g.init(`${base}.weight`, k.dims, k.data)];
      if (cfg.useBias && b) inputs.push(g.init(`${base}.bias`, b.dims, b.data));
      const y = g.node('Gemm', inputs, base);
      return same(activation(g, y, cfg.activation as string, `${base}_act`));
    }
    case 'BatchNormalization': {
      const axis = Number(cfg.axis ?? -1);
      if (axis !== -1 && axis !== x.rank - 1)
        throw new OnnxExportError(`layer ${base}: batch norm over axis ${axis} does not export`);
      if (!x.nchw && x.rank !== 2)
        throw new OnnxExportError(
          `layer ${base}: batch norm of a rank-${x.rank} tensor does not export`,
        );
      const ws = weightsOf(layer);
      const n = ws[ws.length - 1].dims[0];
      let i = 0;
      const gamma =
        cfg.scale !== false ? ws[i++] : { dims: [n], data: new Float32Array(n).fill(1) };
      const beta = cfg.center !== false ? ws[i++] : { dims: [n], data: new Float32Array(n) };
      const [mean, variance] = [ws[i++], ws[i++]];
      const y = g.node(
        'BatchNormalization',
        [
          x.name,
          ...[gamma, beta, mean, variance].map((t, j) =>
            g.init(
              `${base}.${['weight', 'bias', 'running_mean', 'running_var'][j]}`,
              t.dims,
              t.data,
            ),
          ),
        ],
        base,
        [
          attrFloat('epsilon', Number(cfg.epsilon ?? 1e-3)),
          attrFloat('momentum', Number(cfg.momentum ?? 0.99)),
        ],
      );
      return same(y);
    }
    case 'ReLU': {
      if (cfg.threshold && Number(cfg.threshold) !== 0)
        throw new OnnxExportError(`layer ${base}: ReLU with a threshold does not export`);
      const max = cfg.maxValue;
      if (max !== null && max !== undefined) {
        return same(
          g.node(
            'Clip',
            [x.name, g.init(`${base}_min`, [], [0]), g.init(`${base}_max`, [], [Number(max)])],
            base,
          ),
        );
      }
      return same(g.node('Relu', [x.name], base));
    }
    case 'LeakyReLU':
      return same(
        g.node('LeakyRelu', [x.name], base, [attrFloat('alpha', Number(cfg.alpha ?? 0.3))]),
      );
    case 'ELU':
      return same(g.node('Elu', [x.name], base, [attrFloat('alpha', Number(cfg.alpha ?? 1))]));
    case 'Activation':
      return same(activation(g, x.name, cfg.activation as string, base));
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      needImage();
      const k = pair(cfg.poolSize);
      const s = pair(cfg.strides ?? cfg.poolSize);
      const pads = cfg.padding === 'same' ? samePads([x.shape[0], x.shape[1]], k, s) : [0, 0, 0, 0];
      const attrs: Record<string, unknown>[] = [
        attrInts('kernel_shape', k),
        attrInts('strides', s),
        attrInts('pads', pads),
      ];
      if (cls === 'AveragePooling2D') attrs.push(attrInt('count_include_pad', 0));
      return image(
        g.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], base, attrs),
      );
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      needImage();
      const pooled = g.node(
        cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool',
        [x.name],
        base,
      );
      return {
        name: g.node('Flatten', [pooled], `${base}_flatten`, [attrInt('axis', 1)]),
        rank: 2,
        nchw: false,
        shape: outShape,
      };
    }
    case 'Flatten':
      return {
        name: g.node('Flatten', [modelOrder(x, base)], base, [attrInt('axis', 1)]),
        rank: 2,
        nchw: false,
        shape: outShape,
      };
    case 'Reshape': {
      const target = g.init(
        `${base}_shape`,
        [outShape.length + 1],
        [-1, ...outShape],
        DataType.INT64,
      );
      return fromModelOrder(g.node('Reshape', [modelOrder(x, base), target], base), outShape, base);
    }
    case 'Permute': {
      const dims = (cfg.dims as number[]).map(Number);
      return fromModelOrder(
        g.node('Transpose', [modelOrder(x, base)], base, [attrInts('perm', [0, ...dims])]),
        outShape,
        base,
      );
    }
    case 'ZeroPadding2D': {
      needImage();
      const [[t, b], [l, r]] = (cfg.padding as number[][]).map((v) => pair(v));
      const pads = g.init(`${base}_pads`, [8], [0, 0, t, l, 0, 0, b, r], DataType.INT64);
      return image(g.node('Pad', [x.name, pads], base, [attrString('mode', 'constant')]));
    }
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
      return same(x.name);
    case 'Add':
    case 'Multiply':
    case 'Concatenate': {
      if (ins.some((v) => v.nchw !== x.nchw || v.rank !== x.rank))
        throw new OnnxExportError(`layer ${base}: inputs of different layouts`);
      if (cls === 'Concatenate') {
        let axis = Number(cfg.axis ?? -1);
        if (axis < 0) axis += x.rank;
        const onnxAxis = x.nchw ? NHWC_TO_NCHW_AXIS[axis] : axis;
        return same(
          g.node(
            'Concat',
            ins.map((v) => v.name),
            base,
            [attrInt('axis', onnxAxis)],
          ),
        );
      }
      let y = ins[0].name;
      for (let i = 1; i < ins.length; i++)
        y = g.node(
          cls === 'Add' ? 'Add' : 'Mul',
          [y, ins[i].name],
          i === ins.length - 1 ? base : `${base}_${i}`,
        );
      return same(y);
    }
    case 'OnnxConstBinary': {
      const [c] = weightsOf(layer);
      const k = constantAgainst(x, cfg.constantShape as number[], c.data);
      const op = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow' }[cfg.op as string]!;
      const cn = g.init(`${base}.constant`, k.dims, k.data);
      return same(g.node(op, cfg.constantFirst ? [cn, x.name] : [x.name, cn], base));
    }
    case 'OnnxBinary': {
      const [a, b] = ins;
      if (a.nchw !== b.nchw || a.rank !== b.rank)
        throw new OnnxExportError(`layer ${base}: operands of different layouts`);
      const op = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow' }[cfg.op as string]!;
      return same(g.node(op, [a.name, b.name], base));
    }
    case 'OnnxUnary': {
      const op = cfg.op as string;
      if (op === 'gelu') return same(gelu(g, x.name, base));
      if (op === 'clip') {
        const lo =
          cfg.min === undefined || cfg.min === null
            ? ''
            : g.init(`${base}_min`, [], [Number(cfg.min)]);
        const hi =
          cfg.max === undefined || cfg.max === null
            ? ''
            : g.init(`${base}_max`, [], [Number(cfg.max)]);
        return same(g.node('Clip', [x.name, lo, hi], base));
      }
      if (op === 'hardSigmoid')
        return same(
          g.node('HardSigmoid', [x.name], base, [
            attrFloat('alpha', Number(cfg.alpha ?? 0.2)),
            attrFloat('beta', Number(cfg.beta ?? 0.5)),
          ]),
        );
      const names: Record<string, string> = {
        erf: 'Erf',
        neg: 'Neg',
        exp: 'Exp',
        log: 'Log',
        abs: 'Abs',
        sqrt: 'Sqrt',
        reciprocal: 'Reciprocal',
        hardSwish: 'HardSwish',
      };
      if (!names[op]) throw new OnnxExportError(`layer ${base}: operation ${op} does not export`);
      return same(g.node(names[op], [x.name], base));
    }
    case 'OnnxPool': {
      needImage();
      const pads = cfg.pads as [[number, number], [number, number]];
      const attrs: Record<string, unknown>[] = [
        attrInts('kernel_shape', cfg.kernel as number[]),
        attrInts('strides', cfg.strides as number[]),
        attrInts('pads', [pads[0][0], pads[1][0], pads[0][1], pads[1][1]]),
      ];
      if (cfg.kind === 'max') return image(g.node('MaxPool', [x.name], base, attrs));
      return image(
        g.node('AveragePool', [x.name], base, [...attrs, attrInt('count_include_pad', 0)]),
      );
    }
    case 'OnnxReduceMean': {
      const axes = (cfg.axes as number[]).map(Number);
      const keep = Boolean(cfg.keepDims);
      const spatial = axes.length === 2 && axes.includes(1) && axes.includes(2);
      if (x.nchw && (keep || spatial)) {
        const y = g.node('ReduceMean', [x.name], base, [
          attrInts(
            'axes',
            axes.map((a) => NHWC_TO_NCHW_AXIS[a]),
          ),
          attrInt('keepdims', keep ? 1 : 0),
        ]);
        return keep ? image(y) : { name: y, rank: 2, nchw: false, shape: outShape };
      }
      const y = g.node('ReduceMean', [modelOrder(x, base)], base, [
        attrInts('axes', axes),
        attrInt('keepdims', keep ? 1 : 0),
      ]);
      return fromModelOrder(y, outShape, base);
    }
    case 'OnnxSlice': {
      const begin = cfg.begin as number[];
      const end = cfg.end as number[];
      const steps = cfg.steps as number[];
      const axes = begin.map((_, i) => (x.nchw ? NHWC_TO_NCHW_AXIS[i + 1] : i + 1));
      const ints = (n: string, v: number[]) =>
        g.init(`${base}_${n}`, [v.length], v, DataType.INT64);
      return same(
        g.node(
          'Slice',
          [
            x.name,
            ints('starts', begin),
            ints('ends', end),
            ints('axes', axes),
            ints('steps', steps),
          ],
          base,
        ),
      );
    }
    case 'OnnxPad': {
      const pads = cfg.pads as [number, number][];
      const full: [number, number][] = [[0, 0], ...pads];
      const order = x.nchw ? TO_NCHW.map((p) => full[p]) : full;
      const flat = [...order.map((p) => p[0]), ...order.map((p) => p[1])];
      const inputs = [x.name, g.init(`${base}_pads`, [flat.length], flat, DataType.INT64)];
      if (cfg.mode === 'constant')
        inputs.push(g.init(`${base}_value`, [], [Number(cfg.value ?? 0)]));
      return same(g.node('Pad', inputs, base, [attrString('mode', String(cfg.mode))]));
    }
    default:
      throw new OnnxExportError(`layer ${base} (${cls}) has no ONNX export yet`);
  }
}
