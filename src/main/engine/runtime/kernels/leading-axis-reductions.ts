/**
 * Sum and Mean for wasm when the reduced axes are the leading ones (NHWC → C: batch-norm
 * statistics, bias and batch-norm parameter gradients). wasm's kernels first transpose the
 * reduced axes innermost, a full copy; Xᵀ·1 reads the data once (see reduce-leading.ts). Any
 * other reduction goes to the backend's own kernel, captured when the engine replaces it.
 */
import * as tf from '@tensorflow/tfjs';
import { sumLeading } from './reduce-leading';

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
    const x = args.inputs.x as tf.Tensor;
    const { axis, keepDims } = args.attrs as unknown as Attrs;
    const k = leadingAxes(x, axis);
    if (k === 0) return stock.kernelFunc(args);
    return tf.tidy(() => {
      const trailing = x.shape.slice(k);
      const count = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
      let out = sumLeading(x, x.rank - k);
      if (kernelName === 'Mean') out = tf.div(out, count);
      return keepDims ? tf.reshape(out, [...new Array<number>(k).fill(1), ...trailing]) : out;
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
