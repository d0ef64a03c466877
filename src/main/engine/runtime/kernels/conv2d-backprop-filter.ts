/**
 * Conv2DBackpropFilter for wasm, which has none:
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} xpad[b, oh·s + kh, ow·s + kw, ci] · dy[b, oh, ow, co]
 *
 * Computed by the engine's own wasm SIMD kernel (simd/filter-grad-module.ts), which blocks the
 * long reduction over positions one image at a time; 2–5× faster than the XNNPACK formulation
 * below on the benchmark CNN's layers (bench/RESULTS.md, "Fourth pass").
 *
 * Fallback, where the backend's memory cannot be reached: the filter gradient is itself a
 * convolution. With the padded input seen as [C_in, H, W, B] (channels as batch, batch as
 * channels) and dy as a filter [OH, OW, B, C_out], a stride-1 convolution dilated by the forward
 * stride yields [C_in, KH', KW', C_out]; its first KH×KW positions are the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2DGeometry, cropAndPadding, type Conv2DPad } from './conv-geometry';
import { filterGradKernel, type FilterGradExports } from './simd/filter-grad-module';
import { withPaddedInput } from './padded-input';
import { float32View } from './wasm-heap';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function geometry(x: tf.TensorInfo, attrs: Attrs) {
  const { filterShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
  const name = 'Conv2DBackpropFilter';
  return conv2DGeometry(name, x.shape, filterShape, strides, pad, dataFormat, dimRoundingMode);
}

export function conv2DBackpropFilterByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Attrs,
): tf.Tensor4D {
  const g = geometry(x, attrs);
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

/** The same gradient by the SIMD kernel, reading x and dy and writing dW on the wasm heap. */
export function conv2DBackpropFilterSimd(
  backend: BackendWasm,
  kernel: FilterGradExports,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Attrs,
): tf.TensorInfo {
  const g = geometry(x, attrs);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const dwAt = float32View(backend, out).byteOffset;
  const dyAt = float32View(backend, dy).byteOffset;
  withPaddedInput(backend, kernel.pad, x, g, (xAt, height, width) =>
    kernel.filterGrad(
      xAt,
      dyAt,
      dwAt,
      g.batch,
      height,
      width,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.outChannels,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
    ),
  );
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const wasm = backend as BackendWasm;
    const kernel = filterGradKernel(wasm);
    const a = attrs as unknown as Attrs;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    if (kernel) return conv2DBackpropFilterSimd(wasm, kernel, x, dy, a);
    return conv2DBackpropFilterByConv(x as tf.Tensor4D, dy as tf.Tensor4D, a);
  },
};
