/**
 * ONNX graph → TensorFlow.js LayersModel. Each node becomes built-in layers where one has the
 * same semantics (Conv2D, DepthwiseConv2D, BatchNormalization, Dense, pooling, Add…) and one of
 * the engine's registered ONNX layers otherwise, so the result trains, saves, reloads and runs
 * the fast frozen attack path like a model built here.
 *
 * Layout: ONNX classifiers are NCHW; the engine is NHWC. A 4-D tensor that PyTorch sees as
 * [N, C, H, W] is held as [N, H, W, C] ("nchw" values below) and every axis, pad and constant
 * is mapped, so no transpose runs per layer. Only ops that reorder memory (Flatten, Reshape,
 * Transpose of a tensor with spatial extent) turn it back into NCHW order first, as PyTorch's
 * flatten expects; after a global pool that is a free reshape.
 *
 * Shape arithmetic (Shape, Gather, Concat, Slice… on constants) is evaluated once here with the
 * batch size as a sentinel (fold.ts), so dynamic-batch exports and F.pad chains become plain
 * constants. Anything unsupported throws one line naming the node, its op, the opset and the
 * attribute.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors';
import {
  BATCH,
  BINARY_FOLDS,
  UNARY_FOLDS,
  boolResult,
  broadcastTo,
  castConst,
  concatConst,
  constOf,
  elementwise,
  gatherConst,
  reshapeTarget,
  size,
  sliceConst,
  squeezeDims,
  transposeConst,
  unsqueezeDims,
} from './fold';
import {
  OnnxBinary,
  OnnxConstBinary,
  OnnxPad,
  OnnxPool,
  OnnxReduceMean,
  OnnxSlice,
  OnnxUnary,
  setConstant,
  type BinaryOp,
  type UnaryOp,
} from './layers';
import {
  num,
  tensorOf,
  type ConstTensor,
  type OnnxModel,
  type OnnxNode,
  type RawAttribute,
} from './proto';
import { DataType } from './schema';

type Sym = {
  kind: 'sym';
  t: tf.SymbolicTensor;
  /** 'nchw': a 4-D tensor held NHWC whose ONNX dims are NCHW. */
  layout: 'nchw' | 'plain';
  /** ONNX-order dims; dims[0] is BATCH. */
  dims: number[];
};
type Const = { kind: 'const'; c: ConstTensor };
type Unusable = { kind: 'unusable'; why: string };
type Value = Sym | Const | Unusable;

export interface OnnxConversion {
  model: tf.LayersModel;
  /** [H, W, C] of one image. */
  inputShape: [number, number, number];
  numClasses: number;
  /** The graph ended in a Softmax or LogSoftmax, which was left out (attacks need logits). */
  strippedSoftmax?: 'Softmax' | 'LogSoftmax';
  /** Normalisation found at the graph's input (Sub/Div by per-channel constants). */
  inGraphNormalisation?: { mean?: number[]; std?: number[] };
  /** The export kept training-mode batch norm or dropout nodes. */
  trainingModeNodes: boolean;
  /** Operator counts of the source graph, for the provenance record. */
  operators: Record<string, number>;
  /** Layer name → the ONNX initialisers its weights came from (in the node's input order). */
  layerSources: Record<string, string[]>;
}

const BINARY: Record<string, BinaryOp> = {
  Add: 'add',
  Sub: 'sub',
  Mul: 'mul',
  Div: 'div',
  Pow: 'pow',
};
const UNARY: Record<string, UnaryOp> = {
  Erf: 'erf',
  Neg: 'neg',
  Exp: 'exp',
  Log: 'log',
  Abs: 'abs',
  Sqrt: 'sqrt',
  Reciprocal: 'reciprocal',
  HardSigmoid: 'hardSigmoid',
  HardSwish: 'hardSwish',
  Gelu: 'gelu',
};
const ACTIVATIONS: Record<string, string> = {
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Softplus: 'softplus',
};
const NO_OP = new Set(['Identity', 'Cast']);

/** ONNX NCHW axis → NHWC axis of the same tensor. */
const NHWC_AXIS = [0, 3, 1, 2];

export class OnnxConverter {
  private readonly values = new Map<string, Value>();
  private readonly names = new Set<string>();
  private readonly consumers = new Map<string, number>();
  private node!: OnnxNode;
  private staticBatch: number | undefined;
  private inputName = '';
  private normalisation: { mean?: number[]; std?: number[] } = {};
  private strippedSoftmax: OnnxConversion['strippedSoftmax'];
  private trainingModeNodes = false;
  private readonly layerSources: Record<string, string[]> = {};

  constructor(private readonly m: OnnxModel) {}

  /** One line: node, op, opset, reason. */
  private fail(reason: string): never {
    const n = this.node;
    throw new ModelError(
      this.m.file,
      n ? `node "${n.name}" (${n.opType}, opset ${this.m.opset}): ${reason}` : reason,
    );
  }

  private layerName(suffix = ''): string {
    const base = `onnx_${(this.node?.name ?? 'input').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '')}${suffix}`;
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  // ── attributes and inputs ────────────────────────────────────────────────────────────────

  private attr(name: string): RawAttribute | undefined {
    return this.node.attributes.get(name);
  }
  private attrInt(name: string, def: number): number {
    const a = this.attr(name);
    return a ? num(a.i) : def;
  }
  private attrInts(name: string, def: number[]): number[] {
    const a = this.attr(name);
    return a ? (a.ints ?? []).map(num) : def;
  }
  private attrFloat(name: string, def: number): number {
    const a = this.attr(name);
    return a ? (a.f ?? 0) : def;
  }
  private attrString(name: string, def: string): string {
    const a = this.attr(name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }

  private value(i: number): Value | undefined {
    const name = this.node.inputs[i];
    if (name === undefined || name === '') return undefined;
    const v = this.values.get(name);
    if (!v) this.fail(`input "${name}" is not produced by any node or initializer`);
    if (v.kind === 'unusable') this.fail(`input "${name}" is ${v.why}, which is not supported`);
    return v;
  }
  private sym(i: number): Sym {
    const v = this.value(i);
    if (!v) this.fail(`input ${i} is missing`);
    if (v.kind !== 'sym')
      this.fail(`input ${i} ("${this.node.inputs[i]}") was expected to depend on the image`);
    return v;
  }
  private constant(i: number, what: string): ConstTensor | undefined {
    const v = this.value(i);
    if (!v) return undefined;
    if (v.kind !== 'const')
      this.fail(`${what} (input ${i}) must be a constant, not computed from the image`);
    return v.c;
  }
  private ints(i: number, what: string): number[] | undefined {
    const c = this.constant(i, what);
    return c
      ? Array.from(c.data, (v) => (Math.abs(v) > 2 ** 53 ? Math.sign(v) * 2 ** 53 : v))
      : undefined;
  }

  // ── layouts ──────────────────────────────────────────────────────────────────────────────

  private apply(layer: tf.layers.Layer, x: Sym | Sym[]): tf.SymbolicTensor {
    const input = Array.isArray(x) ? x.map((v) => v.t) : x.t;
    return layer.apply(input) as tf.SymbolicTensor;
  }

  private withWeights<L extends tf.layers.Layer>(
    layer: L,
    weights: { dims: number[]; data: ArrayLike<number> }[],
  ): L {
    tf.tidy(() =>
      layer.setWeights(weights.map((w) => tf.tensor(Float32Array.from(w.data), w.dims))),
    );
    this.layerSources[layer.name] = this.node.inputs.slice(1).filter(Boolean);
    return layer;
  }

  /** The same values in NCHW memory order (a plain tensor). */
  private toPlain(v: Sym): Sym {
    if (v.layout === 'plain') return v;
    const [, c, h, w] = v.dims;
    const t =
      h * w === 1
        ? this.apply(
            tf.layers.reshape({ targetShape: [c, 1, 1], name: this.layerName('_nchw') }),
            v,
          )
        : this.apply(tf.layers.permute({ dims: [3, 1, 2], name: this.layerName('_nchw') }), v);
    return { kind: 'sym', t, layout: 'plain', dims: v.dims };
  }

  /** A 4-D tensor in the NHWC layout convolutions need. */
  private toNchw(v: Sym): Sym {
    if (v.layout === 'nchw') return v;
    if (v.dims.length !== 4)
      this.fail(`expected a 4-D NCHW image tensor, got dims [${this.show(v.dims)}]`);
    const [, c, h, w] = v.dims;
    const t =
      h * w === 1
        ? this.apply(
            tf.layers.reshape({ targetShape: [1, 1, c], name: this.layerName('_nhwc') }),
            v,
          )
        : this.apply(tf.layers.permute({ dims: [2, 3, 1], name: this.layerName('_nhwc') }), v);
    return { kind: 'sym', t, layout: 'nchw', dims: v.dims };
  }

  private show(dims: readonly number[]): string {
    return dims.map((d) => (d === BATCH ? 'N' : String(d))).join(', ');
  }

  /** Reshape an image-dependent tensor to ONNX dims `target` (batch first). */
  private reshapeTo(v: Sym, target: number[]): Sym {
    if (target[0] !== BATCH) {
      const hint =
        this.staticBatch !== undefined
          ? ` (the export fixed the batch size at ${this.staticBatch}: export with dynamic_axes={'input': {0: 'batch'}})`
          : '';
      this.fail(
        `reshaping [${this.show(v.dims)}] to [${this.show(target)}] mixes the batch axis with the others${hint}`,
      );
    }
    if (target.length === v.dims.length && target.every((d, i) => d === v.dims[i])) return v;
    const flatImage = v.layout === 'nchw' && v.dims[2] * v.dims[3] === 1;
    const src = flatImage ? v : this.toPlain(v);
    const t = this.apply(
      tf.layers.reshape({ targetShape: target.slice(1), name: this.layerName() }),
      src,
    );
    return { kind: 'sym', t, layout: 'plain', dims: target };
  }

  /** A constant broadcast against `v`, in v's layout. */
  private constantFor(v: Sym, c: ConstTensor): { dims: number[]; data: Float32Array } {
    const rank = v.dims.length;
    if (c.dims.length > rank)
      this.fail(`constant of dims [${c.dims}] has more axes than its operand`);
    let dims = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
    if (dims.length === rank && rank > 0 && dims[0] !== 1 && c.dims.length === rank) {
      this.fail(`constant of dims [${c.dims}] varies along the batch axis`);
    }
    let t: ConstTensor = { ...c, dims };
    if (v.layout === 'nchw') {
      t = transposeConst(t, [0, 2, 3, 1]);
      dims = t.dims;
    }
    if (size(dims) === 1) dims = [1];
    return { dims, data: Float32Array.from(t.data) };
  }

  // ── conversion ───────────────────────────────────────────────────────────────────────────

  convert(): OnnxConversion {
    const m = this.m;
    for (const [name, c] of m.initializers) this.values.set(name, { kind: 'const', c });
    for (const n of m.nodes)
      for (const i of n.inputs) this.consumers.set(i, (this.consumers.get(i) ?? 0) + 1);
    if (m.inputs.length !== 1) {
      throw new ModelError(
        m.file,
        `the graph has ${m.inputs.length} inputs (${m.inputs.map((i) => i.name).join(', ') || 'none'}); a classifier takes one batch of images`,
      );
    }
    if (m.outputs.length !== 1) {
      throw new ModelError(
        m.file,
        `the graph has ${m.outputs.length} outputs (${m.outputs.map((o) => o.name).join(', ')}); a classifier has one, its logits`,
      );
    }
    const input = m.inputs[0];
    const dims = input.dims;
    if (input.elemType !== DataType.FLOAT) {
      throw new ModelError(
        m.file,
        `input "${input.name}" is ${input.elemType === 0 ? 'untyped' : `of ONNX type ${input.elemType}`}, not float32 images`,
      );
    }
    if (!dims || dims.length !== 4) {
      throw new ModelError(
        m.file,
        `input "${input.name}" has dims [${dims?.map((d) => d ?? '?').join(', ') ?? 'unknown'}]; expected NCHW images [N, C, H, W]`,
      );
    }
    const [n0, c, h, w] = dims;
    if (c === null || h === null || w === null) {
      throw new ModelError(
        m.file,
        `input "${input.name}" has a dynamic ${c === null ? 'channel' : 'spatial'} size [N, ${dims
          .slice(1)
          .map((d) => d ?? '?')
          .join(', ')}]; export with a fixed C×H×W (dynamic_axes only on the batch axis)`,
      );
    }
    if (c > 4 && h <= 4) {
      throw new ModelError(
        m.file,
        `input "${input.name}" has dims [N, ${c}, ${h}, ${w}], which look like NHWC; export the PyTorch model, whose input is NCHW`,
      );
    }
    this.staticBatch = n0 ?? undefined;
    this.inputName = input.name;
    const x = tf.input({ shape: [h, w, c], name: 'image' });
    this.values.set(input.name, { kind: 'sym', t: x, layout: 'nchw', dims: [BATCH, c, h, w] });
    const operators: Record<string, number> = {};
    for (const node of m.nodes) {
      operators[node.opType] = (operators[node.opType] ?? 0) + 1;
      this.node = node;
      this.convertNode(node);
    }
    this.node = undefined as unknown as OnnxNode;
    const outName = m.outputs[0].name;
    let out = this.values.get(outName);
    if (!out) throw new ModelError(m.file, `graph output "${outName}" is not produced by any node`);
    if (out.kind !== 'sym')
      throw new ModelError(m.file, `graph output "${outName}" does not depend on the input image`);
    if (out.layout === 'nchw' && out.dims[2] * out.dims[3] === 1)
      out = this.reshapeTo(out, [BATCH, out.dims[1]]);
    if (out.dims.length !== 2) {
      throw new ModelError(
        m.file,
        `graph output "${outName}" has dims [${this.show(out.dims)}]; a classifier outputs [N, classes]`,
      );
    }
    const model = tf.model({ inputs: x, outputs: out.t, name: 'onnx_import' });
    return {
      model,
      inputShape: [h, w, c],
      numClasses: out.dims[1],
      strippedSoftmax: this.strippedSoftmax,
      inGraphNormalisation:
        this.normalisation.mean || this.normalisation.std ? this.normalisation : undefined,
      trainingModeNodes: this.trainingModeNodes,
      operators,
      layerSources: this.layerSources,
    };
  }

  private set(i: number, v: Value): void {
    const name = this.node.outputs[i];
    if (name) this.values.set(name, v);
  }

  private convertNode(node: OnnxNode): void {
    const op = node.opType;
    const inputs = node.inputs.map((_, i) => this.value(i));
    const allConst = inputs.every((v) => v === undefined || v.kind === 'const');
    if (op === 'Constant') return this.set(0, { kind: 'const', c: this.constantAttr() });
    if (op === 'Shape') return this.set(0, { kind: 'const', c: this.shapeOf(inputs[0]) });
    if (allConst && op !== 'Dropout') return this.fold(node, inputs as (Const | undefined)[]);
    // One output per image-dependent node, plus outputs no classifier may use.
    for (let i = 1; i < node.outputs.length; i++) {
      this.set(i, { kind: 'unusable', why: `the extra output ${i} of a ${op} node` });
    }
    this.set(0, this.convertOp(op));
  }

  private constantAttr(): ConstTensor {
    const a = [...this.node.attributes.values()][0];
    if (!a) this.fail('a Constant node without a value');
    switch (a.name) {
      case 'value':
        try {
          return tensorOf(a.t ?? {});
        } catch (err) {
          return this.fail((err as Error).message);
        }
      case 'value_float':
        return constOf([], [a.f ?? 0], DataType.FLOAT);
      case 'value_floats':
        return constOf([a.floats?.length ?? 0], a.floats ?? [], DataType.FLOAT);
      case 'value_int':
        return constOf([], [num(a.i)]);
      case 'value_ints':
        return constOf([a.ints?.length ?? 0], (a.ints ?? []).map(num));
      default:
        return this.fail(`attribute "${a.name}" is not supported`);
    }
  }

  private shapeOf(v: Value | undefined): ConstTensor {
    if (!v) this.fail('input 0 is missing');
    if (v.kind === 'unusable') this.fail(`its input is ${v.why}`);
    const dims = v.kind === 'sym' ? v.dims : v.c.dims;
    const rank = dims.length;
    const norm = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    const start = norm(this.attrInt('start', 0));
    const end = this.attr('end') ? norm(this.attrInt('end', rank)) : rank;
    const out = dims.slice(start, end);
    return constOf([out.length], out);
  }

  // ── constant folding ─────────────────────────────────────────────────────────────────────

  private fold(node: OnnxNode, inputs: (Const | undefined)[]): void {
    const c = inputs.map((v) => v?.c);
    const op = node.opType;
    const need = (i: number) => c[i] ?? this.fail(`input ${i} is missing`);
    const ints = (i: number) => (c[i] ? Array.from(c[i]!.data) : undefined);
    let out: ConstTensor;
    try {
      if (op in BINARY_FOLDS) {
        const f = BINARY_FOLDS[op](need(0).dataType);
        out = elementwise(
          [need(0), need(1)],
          f,
          boolResult.has(op) ? DataType.BOOL : need(0).dataType,
        );
      } else if (op in UNARY_FOLDS) {
        out = elementwise(
          [need(0)],
          UNARY_FOLDS[op],
          boolResult.has(op) ? DataType.BOOL : need(0).dataType,
        );
      } else {
        switch (op) {
          case 'Identity':
            out = need(0);
            break;
          case 'Cast':
            out = castConst(need(0), this.attrInt('to', DataType.FLOAT));
            break;
          case 'Reshape':
            out = {
              ...need(0),
              dims: reshapeTarget(need(0).dims, ints(1)!, this.attrInt('allowzero', 0) === 1),
            };
            break;
          case 'Flatten': {
            const d = need(0).dims;
            const a = this.attrInt('axis', 1);
            out = { ...need(0), dims: [size(d.slice(0, a)), size(d.slice(a))] };
            break;
          }
          case 'Unsqueeze':
            out = {
              ...need(0),
              dims: unsqueezeDims(need(0).dims, ints(1) ?? this.attrInts('axes', [])),
            };
            break;
          case 'Squeeze':
            out = {
              ...need(0),
              dims: squeezeDims(
                need(0).dims,
                ints(1) ?? (this.attr('axes') ? this.attrInts('axes', []) : undefined),
              ),
            };
            break;
          case 'Concat':
            out = concatConst(
              c.filter(
                (t): t is ConstTensor => (!!t && size(t.dims) > 0) || (!!t && t.dims.length > 0),
              ),
              this.attrInt('axis', 0),
            );
            break;
          case 'Gather':
            out = gatherConst(need(0), need(1), this.attrInt('axis', 0));
            break;
          case 'Transpose': {
            const rank = need(0).dims.length;
            out = transposeConst(need(0), this.attrInts('perm', [...Array(rank).keys()].reverse()));
            break;
          }
          case 'Slice': {
            const rank = need(0).dims.length;
            const starts = ints(1)!;
            out = sliceConst(
              need(0),
              starts,
              ints(2)!,
              ints(3) ?? [...Array(starts.length).keys()].slice(0, rank),
              ints(4) ?? starts.map(() => 1),
            );
            break;
          }
          case 'ConstantOfShape': {
            const dims = ints(0)!;
            if (dims.some((d) => d === BATCH) || size(dims) > 1e7)
              this.fail('ConstantOfShape of a batch-sized or huge shape');
            const a = this.attr('value');
            const fill = a?.t ? tensorOf(a.t) : constOf([1], [0], DataType.FLOAT);
            out = constOf(
              dims,
              new Array<number>(size(dims)).fill(fill.data[0] ?? 0),
              fill.dataType,
            );
            break;
          }
          case 'Expand': {
            const target = ints(1)!;
            const d = need(0).dims;
            const dims = target.map((t, i) => {
              const src = d[d.length - target.length + i] ?? 1;
              return t === 1 ? src : t;
            });
            out = broadcastTo(need(0), dims);
            break;
          }
          case 'Range': {
            const [start, limit, delta] = [0, 1, 2].map((i) => need(i).data[0]);
            const n = Math.max(Math.ceil((limit - start) / delta), 0);
            out = constOf(
              [n],
              Array.from({ length: n }, (_, i) => start + i * delta),
              need(0).dataType,
            );
            break;
          }
          case 'Where':
            out = elementwise(
              [need(0), need(1), need(2)],
              (cond, a, b) => (cond ? a : b),
              need(1).dataType,
            );
            break;
          default:
            this.unsupported();
        }
      }
    } catch (err) {
      if (err instanceof ModelError) throw err;
      this.fail(`cannot evaluate it on constants: ${(err as Error).message}`);
    }
    this.set(0, { kind: 'const', c: out });
  }

  private unsupported(): never {
    this.fail(
      `operator ${this.node.opType} is not supported (supported: Conv, BatchNormalization, Gemm, MatMul, pooling, activations, arithmetic, shape and layout ops; see the README's "Audit a PyTorch model")`,
    );
  }

  // ── image-dependent ops ──────────────────────────────────────────────────────────────────

  private convertOp(op: string): Value {
    if (NO_OP.has(op)) {
      const x = this.sym(0);
      if (
        op === 'Cast' &&
        ![DataType.FLOAT, DataType.DOUBLE, 10].includes(this.attrInt('to', 1) as 1)
      ) {
        this.fail(`a Cast of the image to ONNX type ${this.attrInt('to', 1)} is not supported`);
      }
      return x;
    }
    if (op in BINARY) return this.binary(BINARY[op]);
    if (op in UNARY)
      return this.unary(UNARY[op], {
        alpha: this.attrFloat('alpha', 0.2),
        beta: this.attrFloat('beta', 0.5),
      });
    if (op in ACTIVATIONS)
      return this.same(
        tf.layers.activation({ activation: ACTIVATIONS[op] as 'relu', name: this.layerName() }),
      );
    switch (op) {
      case 'Relu':
        return this.same(tf.layers.reLU({ name: this.layerName() }));
      case 'LeakyRelu':
        return this.same(
          tf.layers.leakyReLU({ alpha: this.attrFloat('alpha', 0.01), name: this.layerName() }),
        );
      case 'Elu':
        return this.same(
          tf.layers.elu({ alpha: this.attrFloat('alpha', 1), name: this.layerName() }),
        );
      case 'Clip':
        return this.clip();
      case 'Conv':
        return this.conv();
      case 'BatchNormalization':
        return this.batchNorm();
      case 'Gemm':
        return this.gemm();
      case 'MatMul':
        return this.matMul();
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(op);
      case 'GlobalAveragePool':
        return this.globalPool('avg');
      case 'GlobalMaxPool':
        return this.globalPool('max');
      case 'ReduceMean':
        return this.reduceMean();
      case 'Flatten':
        return this.flatten();
      case 'Reshape': {
        const x = this.sym(0);
        return this.reshapeTo(x, this.resolveReshape(x.dims, this.ints(1, 'the target shape')!));
      }
      case 'Squeeze':
      case 'Unsqueeze': {
        const x = this.sym(0);
        const axes =
          this.ints(1, 'axes') ?? (this.attr('axes') ? this.attrInts('axes', []) : undefined);
        const rankOut = op === 'Unsqueeze' ? x.dims.length + (axes?.length ?? 0) : x.dims.length;
        if (axes?.some((a) => a === 0 || a === -rankOut))
          this.fail(`${op} on the batch axis is not supported`);
        const dims =
          op === 'Unsqueeze' ? unsqueezeDims(x.dims, axes ?? []) : squeezeDims(x.dims, axes);
        return this.reshapeTo(x, dims);
      }
      case 'Transpose':
        return this.transpose();
      case 'Concat':
        return this.concat();
      case 'Slice':
        return this.slice();
      case 'Pad':
        return this.pad();
      case 'Dropout':
        return this.dropout();
      case 'Softmax':
      case 'LogSoftmax':
        return this.softmax(op);
      default:
        return this.unsupported();
    }
  }

  private same(layer: tf.layers.Layer): Sym {
    const x = this.sym(0);
    return { ...x, t: this.apply(layer, x) };
  }

  private unary(
    op: UnaryOp,
    extra: { min?: number; max?: number; alpha?: number; beta?: number } = {},
  ): Sym {
    return this.same(new OnnxUnary({ op, ...extra, name: this.layerName() }));
  }

  private clip(): Sym {
    const min =
      this.constant(1, 'min')?.data[0] ??
      (this.attr('min') ? this.attrFloat('min', -Infinity) : undefined);
    const max =
      this.constant(2, 'max')?.data[0] ??
      (this.attr('max') ? this.attrFloat('max', Infinity) : undefined);
    if (min === 0 && (max === undefined || max === 6)) {
      return this.same(tf.layers.reLU({ maxValue: max, name: this.layerName() }));
    }
    return this.unary('clip', { min, max });
  }

  private binary(op: BinaryOp): Sym {
    const a = this.value(0)!;
    const b = this.value(1)!;
    if (a.kind === 'sym' && b.kind === 'sym') return this.symBinary(op, a, b);
    const x = (a.kind === 'sym' ? a : b) as Sym;
    const c = (a.kind === 'const' ? a : b) as Const;
    const dims = broadcastDimsOf(x.dims, c.c.dims);
    if (!dims)
      this.fail(`operands of dims [${this.show(x.dims)}] and [${c.c.dims}] do not broadcast`);
    if (dims.length !== x.dims.length || dims.some((d, i) => d !== x.dims[i])) {
      this.fail(
        `a constant of dims [${c.c.dims}] would change the shape [${this.show(x.dims)}] of the image tensor`,
      );
    }
    const k = this.constantFor(x, c.c);
    this.noteNormalisation(op, x, c.c);
    const layer = new OnnxConstBinary({
      op,
      constantFirst: a.kind === 'const',
      constantShape: k.dims,
      name: this.layerName(),
    });
    const t = this.apply(layer, x);
    setConstant(layer, k.data);
    return { ...x, t };
  }

  /** Sub/Div by per-channel constants applied to the graph input is in-model normalisation. */
  private noteNormalisation(op: BinaryOp, x: Sym, c: ConstTensor): void {
    const fromInput =
      this.node.inputs.includes(this.inputName) || this.normalisation.mean !== undefined;
    if (!fromInput || x.dims.length !== 4 || size(c.dims) !== x.dims[1]) return;
    if (op === 'sub' && !this.normalisation.mean && this.node.inputs.includes(this.inputName)) {
      this.normalisation.mean = Array.from(c.data);
    } else if (op === 'div' && !this.normalisation.std) this.normalisation.std = Array.from(c.data);
  }

  private symBinary(op: BinaryOp, a0: Sym, b0: Sym): Sym {
    let a = a0;
    let b = b0;
    if (a.layout !== b.layout) {
      if (a.dims.length === 4 && b.dims.length === 4) {
        a = this.toNchw(a);
        b = this.toNchw(b);
      } else {
        a = this.toPlain(a);
        b = this.toPlain(b);
      }
    }
    const dims = broadcastDimsOf(a.dims, b.dims);
    if (!dims)
      this.fail(
        `operands of dims [${this.show(a.dims)}] and [${this.show(b.dims)}] do not broadcast`,
      );
    const equal = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i]);
    const name = this.layerName();
    const layer =
      equal && op === 'add'
        ? tf.layers.add({ name })
        : equal && op === 'mul'
          ? tf.layers.multiply({ name })
          : new OnnxBinary({ op, name });
    return { kind: 'sym', t: this.apply(layer, [a, b]), layout: a.layout, dims };
  }

  private convPads(
    kernel: number[],
    strides: number[],
    hw: number[],
  ): [number, number, number, number] {
    const autoPad = this.attrString('auto_pad', 'NOTSET');
    if (autoPad === 'VALID') return [0, 0, 0, 0];
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const total = hw.map((d, i) =>
        Math.max((Math.ceil(d / strides[i]) - 1) * strides[i] + kernel[i] - d, 0),
      );
      const small = total.map((t) => Math.floor(t / 2));
      const big = total.map((t, i) => t - small[i]);
      return autoPad === 'SAME_UPPER'
        ? [small[0], small[1], big[0], big[1]]
        : [big[0], big[1], small[0], small[1]];
    }
    const pads = this.attrInts('pads', [0, 0, 0, 0]);
    if (pads.length !== 4) this.fail(`attribute "pads" = [${pads}] is not 2-D`);
    if (pads.some((p) => p < 0)) this.fail(`attribute "pads" = [${pads}] has negative pads`);
    return pads as [number, number, number, number];
  }

  private conv(): Sym {
    const x = this.toNchw(this.sym(0));
    const w = this.constant(1, 'the weight');
    if (!w) this.fail('the weight (input 1) is missing');
    const bias = this.constant(2, 'the bias');
    if (w.dims.length !== 4)
      this.fail(`only 2-D convolutions are supported (weight dims [${w.dims}])`);
    const [m, cg, kh, kw] = w.dims;
    const dil = this.attrInts('dilations', [1, 1]);
    if (dil.some((d) => d !== 1)) {
      this.fail(
        `attribute "dilations" = [${dil}] is not supported: TensorFlow.js convolution gradients need dilation 1`,
      );
    }
    const strides = this.attrInts('strides', [1, 1]);
    const group = this.attrInt('group', 1);
    const [, c, h, wd] = x.dims;
    const depthwise = group > 1 && group === c && cg === 1 && m % c === 0;
    if (group !== 1 && !depthwise) {
      this.fail(
        `attribute "group" = ${group} is not supported: only ordinary (group 1) and depthwise (group = channels) convolutions`,
      );
    }
    if (group === 1 && cg !== c)
      this.fail(`the weight expects ${cg} input channels, the tensor has ${c}`);
    const [pt, pl, pb, pr] = this.convPads([kh, kw], strides, [h, wd]);
    let src = x;
    let padding: 'valid' | 'same' = 'valid';
    if (
      strides[0] === 1 &&
      strides[1] === 1 &&
      pt === pb &&
      pl === pr &&
      kh === 2 * pt + 1 &&
      kw === 2 * pl + 1 &&
      pt + pl > 0
    ) {
      padding = 'same';
    } else if (pt + pl + pb + pr > 0) {
      const t = this.apply(
        tf.layers.zeroPadding2d({
          padding: [
            [pt, pb],
            [pl, pr],
          ],
          name: this.layerName('_pad'),
        }),
        x,
      );
      src = { ...x, t };
    }
    const outH = Math.floor((h + pt + pb - kh) / strides[0]) + 1;
    const outW = Math.floor((wd + pl + pr - kw) / strides[1]) + 1;
    const useBias = bias !== undefined;
    const biasW = bias ? [{ dims: [m], data: bias.data }] : [];
    let layer: tf.layers.Layer;
    let kernel: ConstTensor;
    if (depthwise) {
      layer = tf.layers.depthwiseConv2d({
        kernelSize: [kh, kw],
        strides: strides as [number, number],
        padding,
        depthMultiplier: m / c,
        useBias,
        name: this.layerName(),
      });
      kernel = transposeConst({ ...w, dims: [c, m / c, kh, kw] }, [2, 3, 0, 1]);
    } else {
      layer = tf.layers.conv2d({
        filters: m,
        kernelSize: [kh, kw],
        strides: strides as [number, number],
        padding,
        useBias,
        name: this.layerName(),
      });
      kernel = transposeConst(w, [2, 3, 1, 0]);
    }
    const t = this.apply(layer, src);
    this.withWeights(layer, [kernel, ...biasW]);
    return { kind: 'sym', t, layout: 'nchw', dims: [BATCH, m, outH, outW] };
  }

  private batchNorm(): Sym {
    let x = this.sym(0);
    if (x.dims.length === 4) x = this.toNchw(x);
    else if (x.dims.length !== 2)
      this.fail(
        `batch norm over dims [${this.show(x.dims)}] is not supported (only [N, C] and [N, C, H, W])`,
      );
    const params = [1, 2, 3, 4].map((i) =>
      this.constant(i, ['scale', 'bias', 'mean', 'variance'][i - 1]),
    );
    if (params.some((p) => !p)) this.fail('scale, bias, mean and variance must all be given');
    const training =
      this.attrInt('training_mode', 0) === 1 || this.node.outputs.filter(Boolean).length > 1;
    if (training) this.trainingModeNodes = true;
    const layer = tf.layers.batchNormalization({
      axis: -1,
      epsilon: this.attrFloat('epsilon', 1e-5),
      momentum: this.attrFloat('momentum', 0.9),
      name: this.layerName(),
    });
    const t = this.apply(layer, x);
    this.withWeights(
      layer,
      params.map((p) => ({ dims: [x.dims[1]], data: p!.data })),
    );
    return { ...x, t };
  }

  private dense(x: Sym, kernel: ConstTensor, bias: number[] | undefined): Sym {
    if (x.dims.length !== 2)
      this.fail(
        `a matrix product of a [${this.show(x.dims)}] tensor is not supported (only [N, features])`,
      );
    const [k, units] = kernel.dims;
    if (k !== x.dims[1]) this.fail(`the weight has ${k} rows, the input ${x.dims[1]} features`);
    const layer = tf.layers.dense({ units, useBias: bias !== undefined, name: this.layerName() });
    const t = this.apply(layer, x);
    this.withWeights(layer, [kernel, ...(bias ? [{ dims: [units], data: bias }] : [])]);
    return { kind: 'sym', t, layout: 'plain', dims: [BATCH, units] };
  }

  private gemm(): Sym {
    const x = this.sym(0);
    const b = this.constant(1, 'B');
    if (!b || b.dims.length !== 2) this.fail('B must be a constant matrix');
    const c = this.constant(2, 'C');
    if (this.attrInt('transA', 0) !== 0) this.fail('attribute "transA" = 1 is not supported');
    const alpha = this.attrFloat('alpha', 1);
    const beta = this.attrFloat('beta', 1);
    const kernel = this.attrInt('transB', 0) ? transposeConst(b, [1, 0]) : b;
    const scaled = { ...kernel, data: kernel.data.map((v) => v * alpha) };
    const units = kernel.dims[1];
    let bias: number[] | undefined;
    if (c) {
      if (size(c.dims) !== 1 && size(c.dims) !== units)
        this.fail(`C of dims [${c.dims}] is not a bias vector`);
      bias = Array.from(broadcastTo(c, [units]).data, (v) => v * beta);
    }
    return this.dense(x, scaled, bias);
  }

  private matMul(): Sym {
    const x = this.sym(0);
    const w = this.constant(1, 'the right-hand matrix');
    if (!w || w.dims.length !== 2) this.fail('the right-hand matrix must be a constant 2-D weight');
    return this.dense(x, w, undefined);
  }

  private pool(op: 'MaxPool' | 'AveragePool'): Sym {
    const x = this.toNchw(this.sym(0));
    const kernel = this.attrInts('kernel_shape', []);
    if (kernel.length !== 2) this.fail(`attribute "kernel_shape" = [${kernel}] is not 2-D`);
    const strides = this.attrInts('strides', [1, 1]);
    const dil = this.attrInts('dilations', [1, 1]);
    if (dil.some((d) => d !== 1)) this.fail(`attribute "dilations" = [${dil}] is not supported`);
    if (this.attrInt('storage_order', 0) !== 0)
      this.fail('attribute "storage_order" = 1 is not supported');
    const [, c, h, w] = x.dims;
    const [pt, pl, pb0, pr0] = this.convPads(kernel, strides, [h, w]);
    let [pb, pr] = [pb0, pr0];
    if (this.attrInt('ceil_mode', 0) === 1) {
      const extra = [h + pt + pb, w + pl + pr].map((len, i) => {
        let out = Math.ceil((len - kernel[i]) / strides[i]) + 1;
        if ((out - 1) * strides[i] >= [h, w][i] + [pt, pl][i]) out--;
        return Math.max((out - 1) * strides[i] + kernel[i] - len, 0);
      });
      if (extra.some((e) => e > 0) && op === 'AveragePool') {
        this.fail(
          'attribute "ceil_mode" = 1 is not supported for average pooling (export with ceil_mode=False)',
        );
      }
      pb += extra[0];
      pr += extra[1];
    }
    const outH = Math.floor((h + pt + pb - kernel[0]) / strides[0]) + 1;
    const outW = Math.floor((w + pl + pr - kernel[1]) / strides[1]) + 1;
    const dims = [BATCH, c, outH, outW];
    const k = kernel as [number, number];
    const s = strides as [number, number];
    const padded = pt + pl + pb + pr > 0;
    const includePad = this.attrInt('count_include_pad', 0) === 1;
    let src = x;
    let layer: tf.layers.Layer;
    if (!padded || (op === 'AveragePool' && includePad)) {
      if (padded)
        src = {
          ...x,
          t: this.apply(
            tf.layers.zeroPadding2d({
              padding: [
                [pt, pb],
                [pl, pr],
              ],
              name: this.layerName('_pad'),
            }),
            x,
          ),
        };
      const args = { poolSize: k, strides: s, padding: 'valid' as const, name: this.layerName() };
      layer = op === 'MaxPool' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    } else {
      layer = new OnnxPool({
        kind: op === 'MaxPool' ? 'max' : 'avg-exclude-pad',
        kernel: k,
        strides: s,
        pads: [
          [pt, pb],
          [pl, pr],
        ],
        name: this.layerName(),
      });
    }
    return { kind: 'sym', t: this.apply(layer, src), layout: 'nchw', dims };
  }

  private globalPool(kind: 'avg' | 'max'): Sym {
    const x = this.toNchw(this.sym(0));
    const name = this.layerName();
    const layer =
      kind === 'avg'
        ? new OnnxReduceMean({ axes: [1, 2], keepDims: true, name })
        : tf.layers.globalMaxPooling2d({ name });
    let t = this.apply(layer, x);
    if (kind === 'max')
      t = tf.layers
        .reshape({ targetShape: [1, 1, x.dims[1]], name: this.layerName('_keep') })
        .apply(t) as tf.SymbolicTensor;
    return { kind: 'sym', t, layout: 'nchw', dims: [BATCH, x.dims[1], 1, 1] };
  }

  private reduceMean(): Sym {
    let x = this.sym(0);
    const rank = x.dims.length;
    const axesIn = this.ints(1, 'axes') ?? this.attrInts('axes', [...Array(rank).keys()]);
    const axes = axesIn.map((a) => (a < 0 ? a + rank : a));
    if (axes.includes(0)) this.fail('a mean over the batch axis is not supported');
    const keep = this.attrInt('keepdims', 1) === 1;
    const spatial = axes.length === 2 && axes.includes(2) && axes.includes(3);
    if (x.layout === 'nchw' && !keep && !spatial) x = this.toPlain(x);
    const tfAxes = x.layout === 'nchw' ? axes.map((a) => NHWC_AXIS[a]) : axes;
    const t = this.apply(
      new OnnxReduceMean({ axes: tfAxes, keepDims: keep, name: this.layerName() }),
      x,
    );
    const dims = keep
      ? x.dims.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.dims.filter((_, i) => !axes.includes(i));
    return { kind: 'sym', t, layout: keep ? x.layout : 'plain', dims };
  }

  private flatten(): Sym {
    const x = this.sym(0);
    const axis = this.attrInt('axis', 1);
    if (axis !== 1)
      this.fail(`attribute "axis" = ${axis} is not supported (only 1: keep the batch axis)`);
    return this.reshapeTo(x, [BATCH, size(x.dims.slice(1))]);
  }

  /** A Reshape target with 0 and −1 resolved; a static-batch export's literal batch becomes N. */
  private resolveReshape(dims: number[], target: number[]): number[] {
    const allowZero = this.attrInt('allowzero', 0) === 1;
    let t = target;
    if (this.staticBatch !== undefined && t[0] === this.staticBatch) t = [BATCH, ...t.slice(1)];
    try {
      return reshapeTarget(dims, t, allowZero);
    } catch (err) {
      return this.fail((err as Error).message.replace(String(BATCH), 'N'));
    }
  }

  private transpose(): Sym {
    const x = this.toPlain(this.sym(0));
    const rank = x.dims.length;
    const perm = this.attrInts('perm', [...Array(rank).keys()].reverse());
    if (perm[0] !== 0) this.fail(`attribute "perm" = [${perm}] moves the batch axis`);
    const t = this.apply(tf.layers.permute({ dims: perm.slice(1), name: this.layerName() }), x);
    return { kind: 'sym', t, layout: 'plain', dims: perm.map((p) => x.dims[p]) };
  }

  private concat(): Sym {
    let parts = this.node.inputs.map((_, i) => this.value(i)!);
    if (parts.some((p) => p.kind !== 'sym'))
      this.fail('concatenating constants with image tensors is not supported');
    let syms = parts as Sym[];
    const rank = syms[0].dims.length;
    let axis = this.attrInt('axis', 1);
    if (axis < 0) axis += rank;
    if (axis === 0) this.fail('concatenation along the batch axis is not supported');
    const image = rank === 4 && syms.some((s) => s.layout === 'nchw');
    syms = syms.map((s) => (image ? this.toNchw(s) : this.toPlain(s)));
    parts = syms;
    const dims = [...syms[0].dims];
    dims[axis] = syms.reduce((a, s) => a + s.dims[axis], 0);
    const t = this.apply(
      tf.layers.concatenate({ axis: image ? NHWC_AXIS[axis] : axis, name: this.layerName() }),
      syms,
    );
    return { kind: 'sym', t, layout: image ? 'nchw' : 'plain', dims };
  }

  private slice(): Sym {
    const x = this.sym(0);
    const rank = x.dims.length;
    const starts = this.ints(1, 'starts')!;
    const ends = this.ints(2, 'ends')!;
    const axes = (this.ints(3, 'axes') ?? starts.map((_, i) => i)).map((a) =>
      a < 0 ? a + rank : a,
    );
    const steps = this.ints(4, 'steps') ?? starts.map(() => 1);
    const begin = x.dims.map(() => 0);
    const end = [...x.dims];
    const step = x.dims.map(() => 1);
    axes.forEach((a, k) => {
      const d = x.dims[a];
      if (steps[k] <= 0) this.fail(`a step of ${steps[k]} on an image tensor is not supported`);
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      begin[a] = norm(starts[k]);
      end[a] = norm(ends[k]);
      step[a] = steps[k];
    });
    if (begin[0] !== 0 || (end[0] !== BATCH && axes.includes(0)))
      this.fail('slicing the batch axis is not supported');
    const dims = x.dims.map((d, i) =>
      i === 0 ? d : Math.max(0, Math.ceil((end[i] - begin[i]) / step[i])),
    );
    if (dims.every((d, i) => d === x.dims[i])) return x;
    const order = x.layout === 'nchw' ? [2, 3, 1] : [...Array(rank).keys()].slice(1);
    const layer = new OnnxSlice({
      begin: order.map((i) => begin[i]),
      end: order.map((i) => end[i]),
      steps: order.map((i) => step[i]),
      name: this.layerName(),
    });
    return { kind: 'sym', t: this.apply(layer, x), layout: x.layout, dims };
  }

  private pad(): Sym {
    const x = this.sym(0);
    const rank = x.dims.length;
    const mode = this.attrString('mode', 'constant');
    const raw = this.ints(1, 'pads') ?? this.attrInts('pads', []);
    const value = this.constant(2, 'the pad value')?.data[0] ?? this.attrFloat('value', 0);
    const axes = (this.ints(3, 'axes') ?? [...Array(rank).keys()]).map((a) =>
      a < 0 ? a + rank : a,
    );
    const pads = x.dims.map((): [number, number] => [0, 0]);
    axes.forEach((a, k) => (pads[a] = [raw[k], raw[k + axes.length]]));
    if (pads.some(([a, b]) => a < 0 || b < 0))
      this.fail(`negative pads [${raw}] (cropping) are not supported`);
    if (pads[0][0] + pads[0][1] > 0) this.fail('padding the batch axis is not supported');
    if (mode !== 'constant' && mode !== 'reflect')
      this.fail(`attribute "mode" = "${mode}" is not supported (constant or reflect)`);
    if (pads.every(([a, b]) => a + b === 0)) return x;
    const dims = x.dims.map((d, i) => d + pads[i][0] + pads[i][1]);
    if (x.layout === 'nchw') {
      if (pads[1][0] + pads[1][1] > 0) this.fail('padding the channel axis is not supported');
      const spatial: [[number, number], [number, number]] = [pads[2], pads[3]];
      const layer =
        mode === 'constant' && value === 0
          ? tf.layers.zeroPadding2d({ padding: spatial, name: this.layerName() })
          : new OnnxPad({ pads: [...spatial, [0, 0]], mode, value, name: this.layerName() });
      return { kind: 'sym', t: this.apply(layer, x), layout: 'nchw', dims };
    }
    const layer = new OnnxPad({ pads: pads.slice(1), mode, value, name: this.layerName() });
    return { kind: 'sym', t: this.apply(layer, x), layout: 'plain', dims };
  }

  private dropout(): Sym {
    this.trainingModeNodes = true;
    const ratio = this.constant(1, 'the ratio')?.data[0] ?? this.attrFloat('ratio', 0.5);
    return this.same(tf.layers.dropout({ rate: ratio, name: this.layerName() }));
  }

  private softmax(op: 'Softmax' | 'LogSoftmax'): Sym {
    const x = this.sym(0);
    const output = this.node.outputs[0];
    const atOutput = this.m.outputs[0]?.name === output && !this.consumers.has(output);
    const axis = this.attrInt('axis', this.m.opset >= 13 ? -1 : 1);
    if (!atOutput || x.dims.length !== 2 || (axis !== -1 && axis !== 1)) {
      this.fail(
        `a ${op} inside the graph is not supported; only one over the classes at the output, which the import removes`,
      );
    }
    this.strippedSoftmax = op;
    return x;
  }
}

function broadcastDimsOf(a: number[], b: number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export function convertOnnx(m: OnnxModel): OnnxConversion {
  return new OnnxConverter(m).convert();
}
