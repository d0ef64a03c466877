/**
 * Direct access to tensors on the wasm heap, for kernels written as plain loops in JS. The
 * views alias wasm memory, which moves when it grows: allocate every output first
 * (makeOutput), then take the views, and take no view across an allocation.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function float32View(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}
