/**
 * Stand-in for the one training kernel the wasm backend lacks (Conv2DBackpropFilter), registered
 * only when the runtime has not registered its own. Built, as DESIGN.md describes, from the
 * backend's fast forward convolution: with the padded input as [C_in, H, W, B] and dy as
 * [OH, OW, B, C_out], a stride-1 convolution dilated by the forward stride yields the filter
 * gradient as [C_in, KH, KW, C_out].
 */
import * as tf from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Filter gradient of an NHWC conv2d, computed with forward convolutions only. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: BackpropFilterAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = attrs.filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { top, bottom, left, right } = info.padInfo;
    const padded = tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const xt = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, B]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, B, Cout]
    const full = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    const cropped = tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D; // [KH, KW, Cin, Cout]
  });
}

let checked = false;

/** Register the stand-in on wasm when no Conv2DBackpropFilter is there. Idempotent. */
export function ensureTrainingKernels(): void {
  if (checked || tf.getBackend() !== 'wasm') return;
  checked = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) =>
      conv2dFilterGradient(
        inputs.x as tf.Tensor4D,
        inputs.dy as tf.Tensor4D,
        attrs as unknown as BackpropFilterAttrs,
      ),
  });
}
