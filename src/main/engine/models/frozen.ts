/**
 * Frozen forward pass of a LayersModel, for attacks: inference mode (batch-norm uses its moving
 * statistics, dropout is off), batch-norm folded into the preceding convolution or dense layer,
 * bias and ReLU fused into one kernel, and a gradient that flows to the INPUT ONLY.
 *
 * Why: an attack step needs ∂loss/∂x and nothing else, but `tf.grad` through a LayersModel
 * also pays for filter gradients (tfjs's fused convolution computes them eagerly) and for
 * batch-norm parameter gradients. Here every convolution and dense layer is a custom-gradient
 * op whose backward pass is the input gradient alone (for a convolution, Conv2DBackpropInput).
 *
 * The weights are read (and batch-norm folded, a few small per-channel ops) on every call, so
 * the function always reflects the model's current weights, including during training. It
 * passes no gradient to the weights: never use it for a training loss.
 *
 * Layers outside the fast set (Conv2D, Dense, BatchNormalization, ReLU, Activation, pooling,
 * nested models) run through their own `apply` in inference mode: still exact, just without
 * the savings.
 */
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

/** Logits (whatever the model outputs) for a batch, with input-only gradients. */
export type FrozenForward = (x: tf.Tensor4D) => tf.Tensor2D;

/** y = act(op(x, W) + b): a convolution or dense layer, possibly with batch-norm folded in. */
interface Affine {
  kind: 'conv' | 'dense';
  /** The layer whose input feeds the affine map. */
  input: Sym;
  /** Reads the current (folded) weights. */
  weights: () => { w: tf.Tensor; b: tf.Tensor | null };
  conv?: {
    strides: [number, number];
    /** Explicit when a ZeroPadding2D before the convolution was folded into it. */
    pad: 'same' | 'valid' | ExplicitPadding;
    dilations: [number, number];
  };
}

type Fusable = 'linear' | 'relu' | 'relu6';
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Layer configs never change after a layer is built; getConfig() rebuilds them on each call. */
const configs = new WeakMap<Layer, Record<string, unknown>>();

function config(layer: Layer): Record<string, unknown> {
  let c = configs.get(layer);
  if (!c) {
    c = layer.getConfig() as Record<string, unknown>;
    configs.set(layer, c);
  }
  return c;
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])];
  return [Number(v), Number(v)];
}

function channelsLast(layer: Layer): boolean {
  const df = config(layer).dataFormat;
  return df === undefined || df === 'channelsLast';
}

/** Input symbolic tensors of the node that produced `s`. */
function nodeInputs(s: Sym): Sym[] {
  const node = (s.sourceLayer as unknown as { inboundNodes: { inputTensors: Sym[] }[] })
    .inboundNodes[s.nodeIndex];
  return node.inputTensors;
}

function nodeOutputs(s: Sym): Sym[] {
  const node = (s.sourceLayer as unknown as { inboundNodes: { outputTensors: Sym[] }[] })
    .inboundNodes[s.nodeIndex];
  return node.outputTensors;
}

function isModel(layer: Layer): layer is Layer & tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** Number of consumers of every symbolic tensor reachable from the outputs (outputs count). */
function countConsumers(outputs: Sym[]): Map<number, number> {
  const uses = new Map<number, number>();
  const seenNodes = new Set<string>();
  const stack = [...outputs];
  for (const o of outputs) uses.set(o.id, (uses.get(o.id) ?? 0) + 1);
  while (stack.length > 0) {
    const s = stack.pop()!;
    const key = `${s.sourceLayer.name}#${s.nodeIndex}`;
    if (seenNodes.has(key)) continue;
    seenNodes.add(key);
    for (const i of nodeInputs(s)) {
      uses.set(i.id, (uses.get(i.id) ?? 0) + 1);
      stack.push(i);
    }
  }
  return uses;
}

/** The affine part of a Conv2D or Dense layer producing `s`, with the activation it applies. */
function convOrDense(s: Sym): { affine: Affine; activation: string } | null {
  const layer = s.sourceLayer;
  const cls = layer.getClassName();
  if (cls !== 'Conv2D' && cls !== 'Dense') return null;
  const cfg = config(layer);
  const [w, b] = layer.getWeights();
  const bias = cfg.useBias ? b : null;
  let input = nodeInputs(s)[0];
  const weights = () => ({ w, b: bias });
  const activation = String(cfg.activation);
  if (cls === 'Dense') return { affine: { kind: 'dense', input, weights }, activation };
  if (!channelsLast(layer) || (cfg.padding !== 'same' && cfg.padding !== 'valid')) return null;
  let pad: 'same' | 'valid' | ExplicitPadding = cfg.padding as 'same' | 'valid';
  // ZeroPadding2D then a 'valid' convolution (how explicit ONNX/PyTorch pads import): one
  // convolution with explicit padding reads the zeros itself, with no padded copy of the input.
  const padding = input.sourceLayer;
  if (pad === 'valid' && padding.getClassName() === 'ZeroPadding2D' && channelsLast(padding)) {
    const [[t, b2], [l, r]] = (config(padding).padding as unknown[]).map(pair);
    pad = [
      [0, 0],
      [t, b2],
      [l, r],
      [0, 0],
    ];
    input = nodeInputs(input)[0];
  }
  const conv = { strides: pair(cfg.strides), pad, dilations: pair(cfg.dilationRate ?? 1) };
  return { affine: { kind: 'conv', input, weights, conv }, activation };
}

/** A linear Conv2D/Dense layer, or batch-norm folded onto one, producing `s`. */
function affineOf(s: Sym, uses: Map<number, number>): Affine | null {
  const layer = s.sourceLayer;
  const cfg = config(layer);
  const cd = convOrDense(s);
  if (cd) return cd.activation === 'linear' ? cd.affine : null;
  if (layer.getClassName() === 'BatchNormalization') {
    const src = nodeInputs(s)[0];
    const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis];
    const rank = src.shape.length;
    const lastAxis = axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1);
    if (!lastAxis || uses.get(src.id) !== 1) return null;
    const inner = affineOf(src, uses);
    if (!inner) return null;
    const weights = layer.getWeights();
    let k = 0;
    const gamma = cfg.scale ? weights[k++] : null;
    const beta = cfg.center ? weights[k++] : null;
    const [mean, variance] = [weights[k], weights[k + 1]];
    const eps = Number(cfg.epsilon);
    return {
      ...inner,
      weights: () => {
        const { w, b } = inner.weights();
        // BN(y) = (y − mean)·s + beta with s = gamma / √(var + ε): scale W's output channels by s.
        let scale = tf.rsqrt(tf.add(variance, eps));
        if (gamma) scale = tf.mul(scale, gamma);
        let shift = tf.neg(tf.mul(mean, scale));
        if (b) shift = tf.add(shift, tf.mul(b, scale));
        if (beta) shift = tf.add(shift, beta);
        return { w: tf.mul(w, scale), b: shift };
      },
    };
  }
  return null;
}

/** The activation a ReLU/Activation layer applies, when it is one we fuse. */
function fusableActivation(layer: Layer): Fusable | null {
  const cls = layer.getClassName();
  const cfg = config(layer);
  if (cls === 'ReLU') {
    if (cfg.maxValue == null) return 'relu';
    return cfg.maxValue === 6 ? 'relu6' : null;
  }
  if (cls === 'Activation' && (cfg.activation === 'relu' || cfg.activation === 'relu6')) {
    return cfg.activation;
  }
  return null;
}

/** dy through the activation, from the activation's output (y > 0 exactly where x > 0). */
function activationBackward(act: Fusable, dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (act === 'linear') return dy;
  if (act === 'relu') return tf.mul(dy, tf.step(y));
  return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), 'float32'));
}

/**
 * A convolution over an input with fewer pixels than its filter has taps (a ResNet's last stages
 * on 32×32 images: 3×3 filters on 2×2 and 1×1 maps) wastes most of its products on padding. As
 * one matrix product of the flattened input with the filter laid out per (input pixel, output
 * pixel) pair, it does only the products that meet real pixels, in one large GEMM: H·W·Cin ×
 * Ho·Wo·Cout instead of Ho·Wo · kh·kw·Cin × Cout. Returns that matrix, or null where the plain
 * convolution is cheaper.
 */
function convAsMatrix(
  c: NonNullable<Affine['conv']>,
  inputShape: number[],
  w: tf.Tensor,
): { matrix: tf.Tensor2D; outShape: [number, number, number] } | null {
  const [, h, wd, ci] = inputShape;
  const [kh, kw, , co] = w.shape as [number, number, number, number];
  const dilated = c.dilations[0] !== 1 || c.dilations[1] !== 1;
  if (dilated || h * wd >= kh * kw) return null;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    w.shape as [number, number, number, number],
    c.strides,
    1,
    c.pad,
  );
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const src = w.dataSync() as Float32Array;
  const cols = ho * wo * co;
  const out = new Float32Array(h * wd * ci * cols);
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < wd; ix++) {
      for (let oy = 0; oy < ho; oy++) {
        const ky = iy - oy * sh + top;
        if (ky < 0 || ky >= kh) continue;
        for (let ox = 0; ox < wo; ox++) {
          const kx = ix - ox * sw + left;
          if (kx < 0 || kx >= kw) continue;
          const tap = (ky * kw + kx) * ci * co;
          const col = (oy * wo + ox) * co;
          for (let a = 0; a < ci; a++) {
            const row = ((iy * wd + ix) * ci + a) * cols + col;
            out.set(src.subarray(tap + a * co, tap + (a + 1) * co), row);
          }
        }
      }
    }
  }
  return { matrix: tf.tensor2d(out, [h * wd * ci, cols]), outShape: [ho, wo, co] };
}

/** act(op(x, W) + b) in one fused kernel, differentiable in x only. */
function applyAffine(a: Affine, x: tf.Tensor, act: Fusable): tf.Tensor {
  const read = a.weights();
  const asMatrix = a.kind === 'conv' ? convAsMatrix(a.conv!, x.shape, read.w) : null;
  const w = asMatrix ? asMatrix.matrix : read.w;
  // The bias of a convolution run as a matrix product repeats once per output pixel.
  const b =
    asMatrix && read.b ? tf.tile(read.b, [asMatrix.outShape[0] * asMatrix.outShape[1]]) : read.b;
  const dense = a.kind === 'dense' || asMatrix !== null;
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    let y: tf.Tensor;
    if (!dense) {
      const c = a.conv!;
      y = tf.fused.conv2d({
        x: input as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: c.strides,
        pad: c.pad,
        dilations: c.dilations,
        bias: b ?? undefined,
        activation: act,
      });
    } else {
      const features = asMatrix ? w.shape[0] : input.shape[input.rank - 1];
      const flat = input.rank === 2 ? input : tf.reshape(input, [-1, features]);
      const out = tf.fused.matMul({
        a: flat as tf.Tensor2D,
        b: w as tf.Tensor2D,
        bias: b ?? undefined,
        activation: act,
      });
      y = asMatrix
        ? tf.reshape(out, [input.shape[0], ...asMatrix.outShape])
        : input.rank === 2
          ? out
          : tf.reshape(out, [...input.shape.slice(0, -1), w.shape[1] as number]);
    }
    save([y, w]);
    return {
      value: y,
      gradFunc: (g0: tf.Tensor, saved: tf.Tensor[]) => {
        const [yOut, wSaved] = saved;
        const g = activationBackward(act, g0, yOut);
        if (!dense) {
          const c = a.conv!;
          if (c.dilations[0] !== 1 || c.dilations[1] !== 1) {
            throw new Error('frozenForward: gradients of dilated convolutions are not supported');
          }
          return [
            tf.conv2dTranspose(
              g as tf.Tensor4D,
              wSaved as tf.Tensor4D,
              input.shape as [number, number, number, number],
              c.strides,
              c.pad,
            ),
          ];
        }
        const flatG = g.rank === 2 ? g : tf.reshape(g, [-1, wSaved.shape[1] as number]);
        return [tf.reshape(tf.matMul(flatG, wSaved, false, true), input.shape)];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}

/** Evaluate one layer on concrete inputs, through its own ops where that is cheaper. */
function applyLayer(layer: Layer, inputs: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
  const cls = layer.getClassName();
  const cfg = config(layer);
  const x = inputs[0];
  if (isModel(layer) && layer.inputs.length === 1 && layer.outputs.length === 1) {
    return evaluateGraph(layer, x);
  }
  if ((cls === 'MaxPooling2D' || cls === 'AveragePooling2D') && channelsLast(layer)) {
    const size = pair(cfg.poolSize);
    const strides = pair(cfg.strides ?? cfg.poolSize);
    const pad = cfg.padding as 'same' | 'valid';
    return cls === 'MaxPooling2D'
      ? tf.maxPool(x as tf.Tensor4D, size, strides, pad)
      : tf.avgPool(x as tf.Tensor4D, size, strides, pad);
  }
  if (cls === 'BatchNormalization') {
    const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis];
    if (axis.length === 1 && (axis[0] === -1 || axis[0] === x.rank - 1)) {
      const weights = layer.getWeights();
      let k = 0;
      const gamma = cfg.scale ? weights[k++] : undefined;
      const beta = cfg.center ? weights[k++] : undefined;
      return tf.batchNorm(x, weights[k], weights[k + 1], beta, gamma, Number(cfg.epsilon));
    }
  }
  // Anything else: the layer's own inference-mode computation (exact, possibly slower).
  return layer.apply(inputs.length === 1 ? x : inputs, { training: false }) as
    tf.Tensor | tf.Tensor[];
}

function evaluateGraph(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  const uses = countConsumers(model.outputs);
  const values = new Map<number, tf.Tensor>([[model.inputs[0].id, x]]);

  const value = (s: Sym): tf.Tensor => {
    const known = values.get(s.id);
    if (known) return known;
    const layer = s.sourceLayer;
    const cls = layer.getClassName();
    // Activation over a single-use affine map: one fused kernel.
    const act = fusableActivation(layer);
    if (act) {
      const src = nodeInputs(s)[0];
      const affine = uses.get(src.id) === 1 ? affineOf(src, uses) : null;
      if (affine) return remember(s, applyAffine(affine, value(affine.input), act));
    }
    const affine = affineOf(s, uses);
    if (affine) return remember(s, applyAffine(affine, value(affine.input), 'linear'));
    const cd = convOrDense(s);
    if (cd && (cd.activation === 'relu' || cd.activation === 'relu6')) {
      return remember(s, applyAffine(cd.affine, value(cd.affine.input), cd.activation));
    }
    if (cls === 'InputLayer') throw new Error(`frozenForward: unexpected input ${layer.name}`);
    const out = applyLayer(layer, nodeInputs(s).map(value));
    const outs = Array.isArray(out) ? out : [out];
    nodeOutputs(s).forEach((o, i) => values.set(o.id, outs[i]));
    return values.get(s.id)!;
  };

  const remember = (s: Sym, t: tf.Tensor): tf.Tensor => {
    values.set(s.id, t);
    return t;
  };

  return value(model.outputs[0]);
}

/**
 * The model's inference-mode forward pass as a pure function of the input batch, with
 * batch-norm folded into convolution weights and a gradient for the input only.
 */
export function frozenForward(model: tf.LayersModel): FrozenForward {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `frozenForward: model "${model.name}" has ${model.inputs.length} inputs and ${model.outputs.length} outputs; one of each is supported`,
    );
  }
  // tidy: folded weights and intermediates go; the backward pass keeps what it saved.
  return (x: tf.Tensor4D) => tf.tidy(() => evaluateGraph(model, x) as tf.Tensor2D);
}
