/**
 * Conv2DBackpropInput for wasm. The backend's own kernel is a naive scalar loop; the input
 * gradient is a forward convolution, so the fast (XNNPACK) kernel can do it instead:
 *
 *   dx = conv(dy dilated by the stride and padded, W flipped in space with C_in ↔ C_out)
 *
 * "Dilated by the stride" inserts stride−1 zeros between dy's rows and columns; the padding
 * (KH − 1 − padTop on top, and what makes the output exactly H rows at the bottom) is passed to
 * the convolution as explicit padding (no copy), and where it is negative (explicit forward
 * paddings larger than the filter) dy is cropped instead.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DGeometry, cropAndPadding, type Conv2DPad } from './conv-geometry';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Insert stride−1 zeros between rows and between columns: [B, (H−1)·sh+1, (W−1)·sw+1, C]. */
function dilateByStride(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const full = tf.reshape(spread, [b, h * sh, w * sw, c]);
  return tf.slice(full, [0, 0, 0, 0], [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

export function conv2DBackpropInputByConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Attrs,
): tf.Tensor4D {
  const g = conv2DGeometry(
    'Conv2DBackpropInput',
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    attrs.pad,
    attrs.dataFormat,
    attrs.dimRoundingMode,
  );
  return tf.tidy(() => {
    const spread = dilateByStride(dy, g.strideHeight, g.strideWidth);
    const top = g.filterHeight - 1 - g.padTop;
    const left = g.filterWidth - 1 - g.padLeft;
    const bottom = g.inHeight + g.filterHeight - 1 - spread.shape[1] - top;
    const right = g.inWidth + g.filterWidth - 1 - spread.shape[2] - left;
    const { cropped, pad } = cropAndPadding(spread, top, bottom, left, right);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(cropped, flipped, 1, pad);
  });
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    conv2DBackpropInputByConv(
      inputs.dy as tf.Tensor4D,
      inputs.filter as tf.Tensor4D,
      attrs as unknown as Attrs,
    ),
};
