/** Tensor hygiene helpers shared by the engine. */
import * as tf from '@tensorflow/tfjs';

/** Number of live tensors; tests compare it before and after long loops. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/** Dispose every tensor in a (possibly nested) record or array. */
export function disposeAll(...xs: (tf.TensorContainer | undefined)[]): void {
  for (const x of xs) if (x !== undefined) tf.dispose(x);
}
