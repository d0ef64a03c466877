/**
 * Reductions over the leading axes of a tensor (e.g. NHWC → C), as the matrix product
 * Xᵀ·1 with X = x reshaped to [rows, C]. wasm's Sum and Mean first move the reduced axes
 * innermost with a full transpose; the product reads x once. (Measured on wasm, 4 M floats:
 * Xᵀ·1 ≈ 2 ms, 1ᵀ·X ≈ 25 ms because XNNPACK repacks X as the weights, Sum ≈ 10 ms.)
 */
import * as tf from '@tensorflow/tfjs';

/** Sum of `x` over every axis but the last `keep` ones, shaped like those trailing axes. */
export function sumLeading(x: tf.Tensor, keep = 1): tf.Tensor {
  return tf.tidy(() => {
    const trailing = x.shape.slice(x.rank - keep);
    const cols = trailing.reduce((a, b) => a * b, 1);
    const rows = x.size / cols;
    const ones = tf.ones([rows, 1]);
    return tf.reshape(tf.matMul(tf.reshape(x, [rows, cols]), ones, true, false), trailing);
  });
}

/** Sum `g` down to `shape` (the inverse of broadcasting `shape` up to g.shape). */
export function sumToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.util.arraysEqual(g.shape, shape)) return g;
  return tf.tidy(() => {
    // The common case: a per-channel vector broadcast over NHWC.
    if (shape.length === 1 && shape[0] === g.shape[g.rank - 1]) return sumLeading(g);
    const axes = tf.backend_util.getReductionAxes(shape, g.shape);
    return tf.reshape(tf.sum(g, axes), shape);
  });
}
