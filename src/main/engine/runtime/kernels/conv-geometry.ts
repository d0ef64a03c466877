/**
 * Shared geometry for the convolution-gradient kernels: the forward convolution's padding and
 * output size (tfjs's own computation, so 'same', 'valid', explicit and rounding modes agree with
 * every other backend), and the split of borders that may be negative into a crop plus padding.
 */
import * as tf from '@tensorflow/tfjs';

export type Conv2DPad =
  | 'valid'
  | 'same'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export function conv2DGeometry(
  kernelName: string,
  inShape: number[],
  filterShape: number[],
  strides: number | [number, number],
  pad: Conv2DPad,
  dataFormat: string | undefined,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): Conv2DGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports NHWC only, got dataFormat ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Split spatial borders that may be negative into a crop of `x` (negative parts) and an
 * explicit padding for the convolution (positive parts), so the padding costs no copy: the
 * convolution kernel reads the implicit zeros itself.
 */
export function cropAndPadding(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { cropped: tf.Tensor4D; pad: 'valid' | ExplicitPad } {
  let cropped = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [b, h, w, c] = x.shape;
    const t = Math.max(-top, 0);
    const l = Math.max(-left, 0);
    const size = [b, h - t - Math.max(-bottom, 0), w - l - Math.max(-right, 0), c];
    cropped = tf.slice(x, [0, t, l, 0], size);
  }
  const [pt, pb, pl, pr] = [top, bottom, left, right].map((v) => Math.max(v, 0));
  const pad: 'valid' | ExplicitPad =
    pt + pb + pl + pr === 0
      ? 'valid'
      : [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ];
  return { cropped, pad };
}
