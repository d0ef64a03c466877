/**
 * tf.fused.conv2d with lazy gradients. tfjs-layers' Conv2D always calls `tf.fused.conv2d`, whose
 * gradient (a customGrad) computes the input gradient AND the filter gradient whatever the tape
 * asks for: a training step computes the first convolution's input gradient (nobody needs the
 * gradient of the images), and an attack through a LayersModel computes every filter gradient
 * and throws it away. While a tape records, the same result is built from the unfused ops
 * (conv2d, add, activation), whose registered gradients are computed per input, only when the
 * tape needs that input — exactly what tfjs itself does for a non-linear activation in gradient
 * mode, so it is correct on every backend. Outside a tape the fused kernel runs as before.
 */
import * as tf from '@tensorflow/tfjs';
import { sumToShape } from './reduce-leading';

type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedConv2d = (args: FusedConv2dArgs) => tf.Tensor;

/** `tf.fused` is a plain mutable object in tfjs-core's CommonJS build (layers reads it per call). */
const fusedOps = tf.fused as unknown as { conv2d: FusedConv2d };

/** tfjs's own fused conv2d, captured before any replacement (for fallbacks, tests and benches). */
export const stockFusedConv2d: FusedConv2d = fusedOps.conv2d;

/** The activations tfjs's fused ops know, as plain (separately differentiated) ops. */
const activations = new Map<string, (y: tf.Tensor, args: FusedConv2dArgs) => tf.Tensor>([
  ['linear', (y) => y],
  ['relu', (y) => tf.relu(y)],
  ['relu6', (y) => tf.relu6(y)],
  ['elu', (y) => tf.elu(y)],
  ['sigmoid', (y) => tf.sigmoid(y)],
  ['leakyrelu', (y, args) => tf.leakyRelu(y, args.leakyreluAlpha)],
  ['prelu', (y, args) => tf.prelu(y, args.preluActivationWeights as tf.Tensor)],
]);

interface FusedConv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation: 'linear' | 'relu';
}

/**
 * Gradient of the FusedConv2D kernel when it is recorded as a kernel (below), per input and only
 * when asked: tfjs registers none, because its fused op differentiates through a customGrad.
 */
export const fusedConv2DGradConfig: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const a = attrs as unknown as FusedConv2DAttrs;
    const dyT = Array.isArray(dy) ? dy[0] : dy;
    // Every input's gradient starts from dy through the activation: compute it once.
    const dyAct = a.activation === 'relu' ? tf.mul(dyT, tf.step(y)) : dyT;
    const conv = {
      strides: a.strides,
      pad: a.pad,
      dataFormat: 'NHWC',
      dimRoundingMode: a.dimRoundingMode,
    };
    return {
      x: () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dyAct, filter }, {
          ...conv,
          inputShape: x.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dyAct }, {
          ...conv,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias: () => sumToShape(dyAct, [dyAct.shape[dyAct.rank - 1]]),
    };
  },
};

function isOne(v: number | [number, number] | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
}

export const lazyFusedConv2d: FusedConv2d = (args) => {
  const { x, filter, bias } = args;
  const activation = args.activation || 'linear';
  const activate = activations.get(activation);
  const usable =
    tf.engine().state.gradientDepth > 0 &&
    activate !== undefined &&
    (args.dataFormat ?? 'NHWC') === 'NHWC' &&
    isOne(args.dilations) &&
    x instanceof tf.Tensor &&
    filter instanceof tf.Tensor &&
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    (activation !== 'prelu' || args.preluActivationWeights != null);
  if (!usable) return stockFusedConv2d(args);
  return tf.tidy(() => {
    const x4 = x.rank === 3 ? tf.expandDims(x, 0) : x;
    // A per-channel bias and ReLU stay inside the kernel (no extra pass over the output); the
    // kernel goes on the tape with the lazy gradient above.
    const channelBias =
      bias == null ||
      (bias instanceof tf.Tensor &&
        bias.dtype === 'float32' &&
        bias.rank === 1 &&
        bias.shape[0] === filter.shape[3]);
    let y: tf.Tensor;
    if (channelBias) {
      const inKernel = activation === 'relu' ? 'relu' : 'linear';
      const inputs: tf.NamedTensorMap = { x: x4, filter };
      if (bias != null) inputs.bias = bias as tf.Tensor;
      const attrs: FusedConv2DAttrs = {
        strides: args.strides,
        pad: args.pad as FusedConv2DAttrs['pad'],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: args.dimRoundingMode,
        activation: inKernel,
      };
      y = tf
        .engine()
        .runKernel('FusedConv2D', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      if (activation !== inKernel) y = activate(y, args);
    } else {
      const conv = tf.conv2d(
        x4 as tf.Tensor4D,
        filter as tf.Tensor4D,
        args.strides,
        args.pad,
        'NHWC',
        1,
        args.dimRoundingMode,
      );
      y = activate(tf.add(conv, bias), args);
    }
    return x.rank === 3 ? tf.squeeze(y, [0]) : y;
  });
};

/** Whether tf.fused.conv2d is the lazy one now. */
export function lazyFusedConv2dActive(): boolean {
  return fusedOps.conv2d === lazyFusedConv2d;
}

/**
 * Put the lazy version in place of tf.fused.conv2d (on = true) or tfjs's own back. Returns
 * whether the requested one is in place: an ES-module build of tfjs freezes `tf.fused`, and
 * there the stock op simply stays.
 */
export function useLazyFusedConv2d(on: boolean): boolean {
  const want = on ? lazyFusedConv2d : stockFusedConv2d;
  try {
    fusedOps.conv2d = want;
  } catch {
    // Frozen namespace: nothing to patch.
  }
  return fusedOps.conv2d === want;
}
