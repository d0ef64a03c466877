/**
 * ReLU backward pass from the ReLU's output: dx = dy where 0 < y < max, else 0. tfjs builds it
 * from Step, Cast and Multiply (three passes and two temporaries); on wasm this kernel is one
 * pass on the heap. Other backends use the ops. Used by the frozen forward pass's custom
 * gradient (engine/models/frozen.ts), which keeps the ReLU outputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32View } from './wasm-heap';

export const RELU_BACKWARD = 'EngineReluBackward';

/** dy masked by the ReLU's output y (and, for ReLU6, y < max). */
export function reluBackward(dy: tf.Tensor, y: tf.Tensor, max = Infinity): tf.Tensor {
  if (tf.getKernel(RELU_BACKWARD, tf.getBackend()) && dy.dtype === 'float32') {
    return tf.engine().runKernel(RELU_BACKWARD, { dy, y }, { max }) as tf.Tensor;
  }
  return tf.tidy(() => {
    let open = tf.greater(y, 0);
    if (Number.isFinite(max)) open = tf.logicalAnd(open, tf.less(y, max));
    return tf.mul(dy, tf.cast(open, 'float32'));
  });
}

function reluBackwardOnHeap({
  inputs,
  attrs,
  backend,
}: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  const max = Number((attrs as { max?: number } | undefined)?.max ?? Infinity);
  if (!tf.util.arraysEqual(dy.shape, y.shape)) {
    throw new Error(`${RELU_BACKWARD}: dy ${dy.shape} and y ${y.shape} differ in shape`);
  }
  const out = wasm.makeOutput(dy.shape, 'float32');
  const dx = float32View(wasm, out);
  const g = float32View(wasm, dy);
  const v = float32View(wasm, y);
  for (let i = 0; i < dx.length; i++) dx[i] = v[i] > 0 && v[i] < max ? g[i] : 0;
  return out;
}

export const reluBackwardConfig: tf.KernelConfig = {
  kernelName: RELU_BACKWARD,
  backendName: 'wasm',
  kernelFunc: reluBackwardOnHeap as unknown as tf.KernelFunc,
};
