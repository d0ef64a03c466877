/**
 * Sum and Mean for wasm over a block of consecutive axes that leaves the last one: the leading
 * axes (NHWC → C: batch-norm statistics, bias and batch-norm parameter gradients) or middle ones
 * (NHWC → NC: the generator's per-image FiLM scale gradients). wasm's kernels first transpose the
 * reduced axes innermost (a full copy); here the data, seen as [outer, rows, inner], is read once
 * in place by our SIMD column sum (simd/channel-ops-module.ts; f64 across blocks of rows): 4 M
 * floats take ≈ 1.5 ms against ≈ 26 ms for wasm's Sum. Where the SIMD module cannot load, the
 * leading case is the product 1ᵀ·X (≈ 5 ms). Any other reduction goes to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelOpsKernel } from './simd/channel-ops-module';
import { withScratch } from './simd/instances';
import { float32View } from './wasm-heap';

interface Attrs {
  axis: number | number[];
  keepDims: boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The reduction as [outer, rows, inner], or undefined when its axes are not such a block. */
export function axisBlock(
  shape: number[],
  axis: number | number[],
): { outer: number; rows: number; inner: number; axes: number[] } | undefined {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (axes.length === 0 || last >= shape.length - 1 || last - first !== axes.length - 1) {
    return undefined;
  }
  const size = (from: number, to: number) => tf.util.sizeFromShape(shape.slice(from, to));
  return {
    outer: size(0, first),
    rows: size(first, last + 1),
    inner: size(last + 1, shape.length),
    axes,
  };
}

/** Our Sum or Mean, falling back to `stock` (wasm's own) for other reductions. */
export function axisBlockReductionKernel(
  kernelName: 'Sum' | 'Mean',
  stock: tf.KernelConfig | undefined,
): tf.KernelConfig {
  if (!stock) throw new Error(`wasm has no ${kernelName} kernel to fall back to`);
  const kernelFunc = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as Attrs;
    const usable = x.dtype === 'float32' && tf.util.sizeFromShape(x.shape) > 0;
    const block = usable ? axisBlock(x.shape, axis) : undefined;
    const wasm = args.backend as BackendWasm;
    const simd = channelOpsKernel(wasm);
    if (!block || (!simd && block.outer !== 1)) return stock.kernelFunc(args);
    const { outer, rows, inner, axes } = block;
    const outShape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const scale = kernelName === 'Mean' ? 1 / rows : 1;
    if (simd) {
      const out = wasm.makeOutput(outShape, 'float32');
      const outAt = float32View(wasm, out).byteOffset;
      const xAt = float32View(wasm, x).byteOffset;
      withScratch(wasm, 8 * Math.max(inner, 1), (scratch) =>
        simd.columnSums(xAt, outer, rows, inner, outAt, scratch, scale),
      );
      return out;
    }
    return tf.tidy(() => {
      const flat = tf.reshape(x as tf.Tensor, [rows, inner]);
      const sum = tf.matMul(tf.ones([1, rows]), flat);
      return tf.reshape(scale === 1 ? sum : tf.mul(sum, scale), outShape);
    });
  };
  // The backend's set-up binds its wasm function; the fallback needs it.
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as tf.KernelFunc,
    setupFunc: stock.setupFunc,
  };
}
