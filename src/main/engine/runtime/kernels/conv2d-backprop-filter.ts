/**
 * Conv2DBackpropFilter for wasm, which has none: the filter gradient of a convolution is itself
 * a convolution, so the backend's fast (XNNPACK) forward kernel does the work.
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} xpad[b, oh·s + kh, ow·s + kw, ci] · dy[b, oh, ow, co]
 *
 * With the padded input seen as [C_in, H, W, B] (channels as batch, batch as channels) and dy as
 * a filter [OH, OW, B, C_out], a stride-1 convolution dilated by the forward stride yields
 * [C_in, KH', KW', C_out]; its first KH×KW positions are the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DGeometry, cropAndPadding, type Conv2DPad } from './conv-geometry';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilterByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Attrs,
): tf.Tensor4D {
  const g = conv2DGeometry(
    'Conv2DBackpropFilter',
    x.shape,
    attrs.filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dataFormat,
    attrs.dimRoundingMode,
  );
  return tf.tidy(() => {
    // Only the rows and columns the forward pass read: its padding, and no trailing remainder.
    const usedHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
    const usedWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
    // The padding goes to the convolution as explicit padding (no copy of x).
    const { cropped, pad } = cropAndPadding(
      x,
      g.padTop,
      usedHeight - g.inHeight - g.padTop,
      g.padLeft,
      usedWidth - g.inWidth - g.padLeft,
    );
    const xT = tf.transpose(cropped, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const dW = tf.conv2d(xT, dyT, 1, pad, 'NHWC', [g.strideHeight, g.strideWidth]);
    return tf.transpose(dW, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    conv2DBackpropFilterByConv(
      inputs.x as tf.Tensor4D,
      inputs.dy as tf.Tensor4D,
      attrs as unknown as Attrs,
    ),
};
