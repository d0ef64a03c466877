/**
 * Sum and Mean for wasm when the reduced axes are the leading ones (NHWC → C: batch-norm
 * statistics, bias and batch-norm parameter gradients). wasm's kernels first transpose the
 * reduced axes innermost (a full copy); here one pass over the data on the wasm heap adds each
 * row into float64 column accumulators. Any other reduction goes to the backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
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
    const backend = args.backend as BackendWasm;
    const trailing = x.shape.slice(k);
    const cols = tf.util.sizeFromShape(trailing);
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    const outShape = keepDims ? [...new Array<number>(k).fill(1), ...trailing] : trailing;
    const out = backend.makeOutput(outShape, 'float32');
    const src = float32View(backend, x);
    const dst = float32View(backend, out);
    const acc = new Float64Array(cols);
    for (let r = 0, base = 0; r < rows; r++, base += cols) {
      for (let c = 0; c < cols; c++) acc[c] += src[base + c];
    }
    const scale = kernelName === 'Mean' ? 1 / rows : 1;
    for (let c = 0; c < cols; c++) dst[c] = acc[c] * scale;
    return out;
  };
  // The backend's set-up binds its wasm function; the fallback needs it.
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as tf.KernelFunc,
    setupFunc: stock.setupFunc,
  };
}
