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

/**
 * W flipped in space with C_in ↔ C_out: out[i, j, o, c] = W[KH−1−i, KW−1−j, c, o]. One pass in
 * JavaScript over the filter (wasm's Reverse kernel took 160 ms for a 3×3×512×512 filter, this
 * takes about 20): the filter is small next to the activations, so the read-back is cheap.
 */
export function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const src = filter.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const to = (i * kw + j) * ci * co;
      for (let c = 0; c < ci; c++) {
        const row = from + c * co;
        for (let o = 0; o < co; o++) out[to + o * ci + c] = src[row + o];
      }
    }
  }
  return tf.tensor4d(out, [kh, kw, co, ci]);
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
    return tf.conv2d(cropped, flipFilter(filter), 1, pad);
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
