/**
 * Cast for wasm: a cast to the dtype a tensor already has shares its data (as the cpu backend
 * does) instead of copying it. tfjs's ReLU gradient casts step(x), already float32, to float32:
 * wasm's own Cast copies the whole activation for that, once per ReLU in every backward pass.
 * Any other cast goes to wasm's own kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function castKernel(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (!stock) throw new Error('wasm has no Cast kernel to fall back to');
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    attrs?: tf.NamedAttrMap;
    backend: unknown;
  }): tf.TensorInfo | tf.TensorInfo[] => {
    const x = args.inputs.x as tf.TensorInfo;
    const dtype = (args.attrs as { dtype: tf.DataType }).dtype;
    if (x.dtype !== dtype) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  };
  return { kernelName: 'Cast', backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc };
}
