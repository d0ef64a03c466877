/**
 * TensorFlow.js layers for the ONNX operators that have no built-in layer with the same
 * semantics: arithmetic with a constant (in-model normalisation, GELU's constants), broadcasting
 * arithmetic between two tensors, element-wise functions, pooling with explicit padding, mean
 * over axes, slicing and padding. Each is a registered, serialisable class, so an imported model
 * saves, reloads, moves to replica threads and trains like any other LayersModel.
 *
 * Every layer works on the NHWC tensors the engine uses; the converter maps ONNX's NCHW axes,
 * pads and constants before it builds them.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];
type Kwargs = Record<string, unknown>;

const one = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor =>
  Array.isArray(inputs) ? inputs[0] : inputs;
const oneShape = (s: Shape | Shape[]): Shape =>
  Array.isArray(s[0]) ? (s as Shape[])[0] : (s as Shape);

/** Numpy broadcasting of two shapes; an unknown (batch) dimension stays unknown. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    // A missing leading axis counts as 1; an unknown (null) one stays unknown.
    const ia = a.length - n + i;
    const ib = b.length - n + i;
    const x = ia < 0 ? 1 : a[ia];
    const y = ib < 0 ? 1 : b[ib];
    out.push(x === 1 ? y : y === 1 ? x : x === null || y === null ? null : x);
  }
  return out;
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow';

function binary(op: BinaryOp, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  switch (op) {
    case 'add':
      return tf.add(a, b);
    case 'sub':
      return tf.sub(a, b);
    case 'mul':
      return tf.mul(a, b);
    case 'div':
      return tf.div(a, b);
    case 'pow':
      return tf.pow(a, b);
  }
}

interface ConstBinaryArgs {
  op: BinaryOp;
  /** The constant is the first operand (e.g. 1 − x). */
  constantFirst: boolean;
  /** Shape of the constant, broadcast against the input (batch axis included when rank 4). */
  constantShape: number[];
  name?: string;
}

/** x ∘ c or c ∘ x with a fixed (non-trainable) constant c. */
export class OnnxConstBinary extends tf.layers.Layer {
  static className = 'OnnxConstBinary';
  readonly op: BinaryOp;
  readonly constantFirst: boolean;
  readonly constantShape: number[];
  private constant?: tf.LayerVariable;

  constructor(args: ConstBinaryArgs) {
    super({ name: args.name });
    this.op = args.op;
    this.constantFirst = args.constantFirst;
    this.constantShape = args.constantShape;
  }

  override build(): void {
    this.constant = this.addWeight(
      'constant',
      this.constantShape,
      'float32',
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return broadcastShapes(oneShape(inputShape), this.constantShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const c = this.constant!.read();
      return this.constantFirst ? binary(this.op, c, x) : binary(this.op, x, c);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      op: this.op,
      constantFirst: this.constantFirst,
      constantShape: this.constantShape,
    };
  }
}

/** a ∘ b for two tensors of broadcastable shapes. */
export class OnnxBinary extends tf.layers.Layer {
  static className = 'OnnxBinary';
  readonly op: BinaryOp;

  constructor(args: { op: BinaryOp; name?: string }) {
    super({ name: args.name });
    this.op = args.op;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShape as Shape[];
    return broadcastShapes(a, b);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.tidy(() => binary(this.op, a, b));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op };
  }
}

export type UnaryOp =
  | 'erf'
  | 'neg'
  | 'exp'
  | 'log'
  | 'abs'
  | 'sqrt'
  | 'reciprocal'
  | 'clip'
  | 'hardSigmoid'
  | 'hardSwish'
  | 'gelu';

interface UnaryArgs {
  op: UnaryOp;
  /** clip: bounds; hardSigmoid: alpha, beta. */
  min?: number;
  max?: number;
  alpha?: number;
  beta?: number;
  name?: string;
}

/** An element-wise function. */
export class OnnxUnary extends tf.layers.Layer {
  static className = 'OnnxUnary';
  readonly args: UnaryArgs;

  constructor(args: UnaryArgs) {
    super({ name: args.name });
    this.args = { ...args };
    delete this.args.name;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs);
    const a = this.args;
    return tf.tidy(() => {
      switch (a.op) {
        case 'erf':
          return tf.erf(x);
        case 'neg':
          return tf.neg(x);
        case 'exp':
          return tf.exp(x);
        case 'log':
          return tf.log(x);
        case 'abs':
          return tf.abs(x);
        case 'sqrt':
          return tf.sqrt(x);
        case 'reciprocal':
          return tf.reciprocal(x);
        case 'clip':
          return tf.clipByValue(x, a.min ?? -Infinity, a.max ?? Infinity);
        case 'hardSigmoid':
          return tf.clipByValue(tf.add(tf.mul(x, a.alpha ?? 0.2), a.beta ?? 0.5), 0, 1);
        case 'hardSwish':
          return tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1));
        case 'gelu':
          return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
      }
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.args as unknown as tf.serialization.ConfigDict) };
  }
}

interface PoolArgs {
  kind: 'max' | 'avg-exclude-pad';
  kernel: [number, number];
  strides: [number, number];
  /** [[top, bottom], [left, right]]. */
  pads: [[number, number], [number, number]];
  name?: string;
}

function pooledSize(size: number | null, k: number, s: number, before: number, after: number) {
  return size === null ? null : Math.floor((size + before + after - k) / s) + 1;
}

/**
 * Pooling with ONNX's explicit (possibly asymmetric) padding. Max pooling pads with the most
 * negative float, so padding never wins; average pooling that excludes padding divides each
 * window's sum by the number of real pixels in it.
 */
export class OnnxPool extends tf.layers.Layer {
  static className = 'OnnxPool';
  readonly pool: Omit<PoolArgs, 'name'>;

  constructor(args: PoolArgs) {
    super({ name: args.name });
    this.pool = { kind: args.kind, kernel: args.kernel, strides: args.strides, pads: args.pads };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = oneShape(inputShape);
    const { kernel: k, strides: s, pads: p } = this.pool;
    return [n, pooledSize(h, k[0], s[0], ...p[0]), pooledSize(w, k[1], s[1], ...p[1]), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs) as tf.Tensor4D;
    const { kind, kernel, strides, pads } = this.pool;
    return tf.tidy(() => {
      const padding: [number, number][] = [[0, 0], pads[0], pads[1], [0, 0]];
      if (kind === 'max') {
        return tf.maxPool(tf.pad(x, padding, -3.4e38), kernel, strides, 'valid');
      }
      const sums = tf.avgPool(tf.pad(x, padding), kernel, strides, 'valid');
      const ones = tf.pad(tf.ones([1, x.shape[1], x.shape[2], 1]), padding) as tf.Tensor4D;
      return tf.div(sums, tf.avgPool(ones, kernel, strides, 'valid'));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.pool as unknown as tf.serialization.ConfigDict) };
  }
}

/** Mean over axes of the input (axes counted with the batch axis, never including it). */
export class OnnxReduceMean extends tf.layers.Layer {
  static className = 'OnnxReduceMean';
  readonly axes: number[];
  readonly keepDims: boolean;

  constructor(args: { axes: number[]; keepDims: boolean; name?: string }) {
    super({ name: args.name });
    this.axes = args.axes;
    this.keepDims = args.keepDims;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    return this.keepDims
      ? s.map((d, i) => (this.axes.includes(i) ? 1 : d))
      : s.filter((_, i) => !this.axes.includes(i));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mean(one(inputs), this.axes, this.keepDims));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axes: this.axes, keepDims: this.keepDims };
  }
}

/** A strided slice with non-negative bounds and positive steps; the batch axis is kept whole. */
export class OnnxSlice extends tf.layers.Layer {
  static className = 'OnnxSlice';
  readonly begin: number[];
  readonly end: number[];
  readonly steps: number[];

  constructor(args: { begin: number[]; end: number[]; steps: number[]; name?: string }) {
    super({ name: args.name });
    this.begin = args.begin;
    this.end = args.end;
    this.steps = args.steps;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    return [
      s[0],
      ...this.begin.map((b, i) => Math.max(0, Math.ceil((this.end[i] - b) / this.steps[i]))),
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs);
    // tf.slice and tf.gather have gradients; tf.stridedSlice does not.
    return tf.tidy(() => {
      const sizes = this.begin.map((b, i) => Math.max(0, this.end[i] - b));
      let t = tf.slice(x, [0, ...this.begin], [-1, ...sizes]);
      this.steps.forEach((step, i) => {
        if (step === 1) return;
        const picks = Array.from({ length: Math.ceil(sizes[i] / step) }, (_, k) => k * step);
        t = tf.gather(t, tf.tensor1d(picks, 'int32'), i + 1);
      });
      return t;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, end: this.end, steps: this.steps };
  }
}

/** Padding other than zeros: a constant value, or reflection. Pads exclude the batch axis. */
export class OnnxPad extends tf.layers.Layer {
  static className = 'OnnxPad';
  readonly pads: [number, number][];
  readonly mode: 'constant' | 'reflect';
  readonly value: number;

  constructor(args: {
    pads: [number, number][];
    mode: 'constant' | 'reflect';
    value: number;
    name?: string;
  }) {
    super({ name: args.name });
    this.pads = args.pads;
    this.mode = args.mode;
    this.value = args.value;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    return [s[0], ...this.pads.map(([a, b], i) => (s[i + 1] === null ? null : s[i + 1]! + a + b))];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs);
    const pads: [number, number][] = [[0, 0], ...this.pads];
    return tf.tidy(() =>
      this.mode === 'reflect' ? tf.mirrorPad(x, pads, 'reflect') : tf.pad(x, pads, this.value),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pads: this.pads, mode: this.mode, value: this.value };
  }
}

for (const cls of [
  OnnxConstBinary,
  OnnxBinary,
  OnnxUnary,
  OnnxPool,
  OnnxReduceMean,
  OnnxSlice,
  OnnxPad,
]) {
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
}

/** Set a constant layer's value once it is built. */
export function setConstant(layer: OnnxConstBinary, values: Float32Array): void {
  layer.setWeights([tf.tensor(values, layer.constantShape)]);
}

export type { Kwargs };
