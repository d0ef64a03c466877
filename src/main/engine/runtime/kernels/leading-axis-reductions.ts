/**
 * Sum and Mean for wasm when the reduced axes are the leading ones (NHWC → C: batch-norm
 * statistics, bias and batch-norm parameter gradients). wasm's kernels first transpose the
 * reduced axes innermost (a full copy); here the data, seen as [rows, C], is read once in place
 * by our SIMD column sum (simd/channel-ops-module.ts; f64 across blocks of rows), or where that
 * cannot load, as the product 1ᵀ·X (4 M floats: ≈ 26 ms for wasm's Sum, ≈ 5 ms for the product,
 * ≈ 1.5 ms for the SIMD pass). Any other reduction goes to wasm's own kernel.
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

/** Number of leading axes reduced, or 0 when the reduction is not over leading axes only. */
function leadingAxes(x: tf.TensorInfo, axis: number | number[]): number {
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= x.shape.length || x.dtype !== 'float32') return 0;
  return axes.every((a, i) => a === i) ? k : 0;
}

/** Our Sum or Mean, falling back to `stock` (wasm's own) for other reductions. */
export function leadingReductionKernel(
  kernelName: 'Sum' | 'Mean',
  stock: tf.KernelConfig | undefined,
): tf.KernelConfig {
  if (!stock) throw new Error(`wasm has no ${kernelName} kernel to fall back to`);
  const kernelFunc = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as Attrs;
    const k = leadingAxes(x, axis);
    if (k === 0) return stock.kernelFunc(args);
    const trailing = x.shape.slice(k);
    const cols = tf.util.sizeFromShape(trailing);
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    const outShape = keepDims ? [...new Array<number>(k).fill(1), ...trailing] : trailing;
    const scale = kernelName === 'Mean' ? 1 / rows : 1;
    const wasm = args.backend as BackendWasm;
    const simd = channelOpsKernel(wasm);
    if (simd) {
      const out = wasm.makeOutput(outShape, 'float32');
      const outAt = float32View(wasm, out).byteOffset;
      const xAt = float32View(wasm, x).byteOffset;
      withScratch(wasm, 8 * Math.max(cols, 1), (scratch) =>
        simd.columnSums(xAt, rows, cols, outAt, scratch, scale),
      );
      return out;
    }
    return tf.tidy(() => {
      const flat = tf.reshape(x as tf.Tensor, [rows, cols]);
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
