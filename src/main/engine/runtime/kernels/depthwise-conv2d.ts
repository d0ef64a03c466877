/**
 * DepthwiseConv2dNative for wasm with one filter per channel, by our SIMD kernel
 * (simd/conv2d-module.ts) for filters larger than 5×5: the backend's XNNPACK kernel handles small
 * filters well but ran the Gabor attack's 23×23 filters at under 1 GMAC/s (18.7 ms a call on a
 * 32×32×32 input). Small filters, channel multipliers above 1, dilation and NCHW go to the
 * backend's own kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2DGeometry, type Conv2DPad } from './conv-geometry';
import { withPaddedInput } from './padded-input';
import { conv2dKernel } from './simd/conv2d-module';
import { float32View } from './wasm-heap';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Filters up to this many taps stay with XNNPACK, whose depthwise kernels cover them. */
const SMALL_FILTER_TAPS = 25;

export function depthwiseConv2DKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (!stock) throw new Error('wasm has no DepthwiseConv2dNative kernel to fall back to');
  return {
    kernelName: 'DepthwiseConv2dNative',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as Attrs;
      const [kh, kw, , multiplier] = filter.shape;
      const covered =
        x.dtype === 'float32' &&
        filter.dtype === 'float32' &&
        multiplier === 1 &&
        kh * kw > SMALL_FILTER_TAPS &&
        (attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC') &&
        [attrs.dilations ?? 1].flat().every((d) => d === 1);
      const simd = covered ? conv2dKernel(wasm) : undefined;
      if (!simd) return stock.kernelFunc(args);
      const g = conv2DGeometry(
        'DepthwiseConv2dNative',
        x.shape,
        filter.shape,
        attrs.strides,
        attrs.pad,
        attrs.dataFormat,
        attrs.dimRoundingMode,
      );
      const out = wasm.makeOutput([g.batch, g.outHeight, g.outWidth, g.inChannels], 'float32');
      const outAt = float32View(wasm, out).byteOffset;
      const filterAt = float32View(wasm, filter).byteOffset;
      withPaddedInput(wasm, simd.pad, x, g, (xAt, height, width) =>
        simd.depthwise(
          xAt,
          filterAt,
          outAt,
          g.batch,
          height,
          width,
          g.inChannels,
          g.outHeight,
          g.outWidth,
          g.filterHeight,
          g.filterWidth,
          g.strideHeight,
          g.strideWidth,
        ),
      );
      return out;
    },
  };
}
