/** Reductions used by the engine's gradients, written so every backend does them well. */
import * as tf from '@tensorflow/tfjs';

/**
 * Sum `g` down to `shape` (the inverse of broadcasting `shape` up to g.shape). For the common
 * per-channel case the reduced axes are the leading ones, which the engine's wasm Sum does
 * without a transpose (axis-block-reductions.ts).
 */
export function sumToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.util.arraysEqual(g.shape, shape)) return g;
  return tf.tidy(() => {
    const axes = tf.backend_util.getReductionAxes(shape, g.shape);
    return tf.reshape(tf.sum(g, axes), shape);
  });
}
