/**
 * Gradient of DepthwiseConv2dNative built from forward ops. tfjs's own needs the
 * DepthwiseConv2dNativeBackpropInput/Filter kernels, which the wasm backend does not have, so
 * an imported depthwise convolution (MobileNet-style blocks, `groups = channels` in PyTorch)
 * could not be attacked or trained there. Here:
 * - dx is the full correlation of the stride-dilated dy with the 180°-rotated filter, one
 *   depthwise convolution per output channel, summed over the channel multiplier;
 * - dfilter sums x·dy over the batch and the output positions, one strided window of the
 *   padded x per filter tap.
 * Dilation 1 only (the importer refuses dilated convolutions). Backend-independent: tested
 * against the pure-JS backend's own kernels.
 */
import * as tf from '@tensorflow/tfjs';

interface DepthwiseAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations: [number, number] | number | null;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Insert stride − 1 zeros between rows and columns of dy: [N, (Ho−1)s+1, (Wo−1)s+1, C]. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D,
    [0, 0, 0, 0],
    [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c],
  );
}

export const depthwiseConv2dGradConfig: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const dyT = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as DepthwiseAttrs;
    const dil =
      a.dilations == null
        ? [1, 1]
        : typeof a.dilations === 'number'
          ? [a.dilations, a.dilations]
          : a.dilations;
    if (dil[0] !== 1 || dil[1] !== 1)
      throw new Error('depthwise convolution gradients need dilation 1');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filter.shape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const { top, left } = info.padInfo;
    const [kh, kw, c, m] = filter.shape;
    const [n, h, w] = x.shape;
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    return {
      x: () => {
        const d = dilate(dyT, sh, sw);
        // Valid correlation over a (H + kh − 1)-high padded dy gives exactly H rows.
        const padTop = kh - 1 - top;
        const padLeft = kw - 1 - left;
        const padded = tf.pad(d, [
          [0, 0],
          [padTop, h + kh - 1 - d.shape[1] - padTop],
          [padLeft, w + kw - 1 - d.shape[2] - padLeft],
          [0, 0],
        ]);
        const rotated = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
        const perChannel = tf.depthwiseConv2d(
          padded as tf.Tensor4D,
          rotated as tf.Tensor4D,
          1,
          'valid',
        );
        return m === 1 ? perChannel : tf.sum(tf.reshape(perChannel, [n, h, w, c, m]), 4);
      },
      filter: () => {
        const needH = (ho - 1) * sh + kh;
        const needW = (wo - 1) * sw + kw;
        const xp = tf.pad(x, [
          [0, 0],
          [top, Math.max(needH - h - top, 0)],
          [left, Math.max(needW - w - left, 0)],
          [0, 0],
        ]);
        const dy5 = tf.reshape(dyT, [n, ho, wo, c, m]);
        const taps: tf.Tensor[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const window = tf.stridedSlice(
              xp,
              [0, i, j, 0],
              [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c],
              [1, sh, sw, 1],
            );
            taps.push(tf.sum(tf.mul(tf.reshape(window, [n, ho, wo, c, 1]), dy5), [0, 1, 2]));
          }
        }
        return tf.reshape(tf.stack(taps), [kh, kw, c, m]);
      },
    };
  },
};
