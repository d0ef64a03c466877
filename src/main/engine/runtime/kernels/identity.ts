/**
 * Identity for wasm without a copy. tfjs clones every tensor it saves for the backward pass
 * through this kernel, and wasm's own version copies the whole buffer each time (about 3 % of
 * a training step on the benchmark CNN). Tensors are immutable, so sharing the data with a
 * reference count is exact — the cpu backend and wasm's own Reshape do the same.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

function identity({
  inputs,
  backend,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
}): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
