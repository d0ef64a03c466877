/**
 * Conv2D and FusedConv2D (bias, ReLU) for wasm by our SIMD kernel (simd/conv2d-module.ts):
 * 1.3–2.6× faster than the backend's XNNPACK convolution on the benchmark CNN's layers and on
 * their input gradients, which run through Conv2D (bench/RESULTS.md, "Fourth pass"). Anything
 * it does not cover (NCHW, dilation, other activations, PReLU weights, a bias that is not one
 * value per output channel) goes to the backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2DGeometry, type Conv2DPad } from './conv-geometry';
import { withPaddedInput } from './padded-input';
import { conv2dKernel } from './simd/conv2d-module';
import { withScratch } from './simd/instances';
import { float32View } from './wasm-heap';

interface Attrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

type Inputs = Partial<Record<'x' | 'filter' | 'bias' | 'preluActivationWeights', tf.TensorInfo>>;

function covered(inputs: Inputs, attrs: Attrs): boolean {
  const { x, filter, bias, preluActivationWeights } = inputs;
  if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  const dilations = [attrs.dilations ?? 1].flat();
  const activation = attrs.activation ?? 'linear';
  return (
    (attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC') &&
    dilations.every((d) => d === 1) &&
    (activation === 'linear' || activation === 'relu') &&
    !preluActivationWeights &&
    (!bias || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === filter.shape[3]))
  );
}

export function conv2DKernel(
  kernelName: 'Conv2D' | 'FusedConv2D',
  stock: tf.KernelConfig | undefined,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    // The stock kernel binds its wasm function at backend setup; our fallback calls it.
    setupFunc: stock?.setupFunc,
    kernelFunc: (args) => {
      const wasm = args.backend as BackendWasm;
      const inputs = args.inputs as Inputs;
      const attrs = args.attrs as unknown as Attrs;
      const simd = conv2dKernel(wasm);
      if (!simd || !covered(inputs, attrs)) {
        if (!stock) throw new Error(`${kernelName}: no wasm kernel for this configuration`);
        return stock.kernelFunc(args);
      }
      const x = inputs.x as tf.TensorInfo;
      const filter = inputs.filter as tf.TensorInfo;
      const g = conv2DGeometry(
        kernelName,
        x.shape,
        filter.shape,
        attrs.strides,
        attrs.pad,
        attrs.dataFormat,
        attrs.dimRoundingMode,
      );
      const out = wasm.makeOutput([g.batch, g.outHeight, g.outWidth, g.outChannels], 'float32');
      const outAt = float32View(wasm, out).byteOffset;
      const filterAt = float32View(wasm, filter).byteOffset;
      const biasAt = inputs.bias ? float32View(wasm, inputs.bias).byteOffset : 0;
      const relu = attrs.activation === 'relu' ? 1 : 0;
      const [kh, kw, ci, co] = filter.shape;
      const panelBytes = kh * kw * ci * (co + 4) * 4;
      withScratch(wasm, panelBytes, (panels) =>
        withPaddedInput(wasm, simd.pad, x, g, (xAt, height, width) =>
          simd.conv2d(
            xAt,
            filterAt,
            biasAt,
            outAt,
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
            relu,
            panels,
          ),
        ),
      );
      return out;
    },
  };
}
