/**
 * The per-channel passes of batch-norm in training mode, over activations whose last axis is the
 * channel one: the wasm SIMD kernels (kernels/channel-kernels.ts, one pass over memory each)
 * where they run, the same formulas in tfjs ops on every other backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelOpsKernel } from './kernels/simd/channel-ops-module';

function simd(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel('DmatChannelAffine', 'wasm') !== undefined &&
    channelOpsKernel(tf.backend() as BackendWasm) !== undefined
  );
}

const run = (name: string, inputs: tf.NamedTensorMap) =>
  tf.engine().runKernel(name, inputs, {}) as tf.Tensor;

/** Every axis but the last (the channel one). */
const batchAxes = (x: tf.Tensor) => x.shape.slice(0, -1).map((_, i) => i);

/**
 * Mean and M2 = Σ (x − mean)² of x over `axes` (kept as size 1 in the mean's layout), by tfjs
 * ops: two passes, stable when |mean| ≫ std.
 */
export function momentsByOps(
  x: tf.Tensor,
  axes: number[],
): { mean: Float32Array; m2: Float32Array } {
  return tf.tidy(() => {
    const n = axes.reduce((count, a) => count * x.shape[a], 1);
    const m = tf.div(tf.sum(x, axes, true), n);
    return {
      mean: m.dataSync() as Float32Array,
      m2: tf.sum(tf.squaredDifference(x, m), axes).dataSync() as Float32Array,
    };
  });
}

/** Per-channel mean and M2 = Σ (x − mean)² of x. */
export function channelMoments(x: tf.Tensor): { mean: Float32Array; m2: Float32Array } {
  const c = x.shape[x.rank - 1];
  if (!simd()) return momentsByOps(x, batchAxes(x));
  const both = run('DmatChannelMoments', { x });
  const values = both.dataSync() as Float32Array;
  both.dispose();
  return { mean: values.slice(0, c), m2: values.slice(c) };
}

/** Per-channel Σ dy and Σ dy·x, each [c]. */
export function channelSums(dy: tf.Tensor, x: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  const c = x.shape[x.rank - 1];
  if (simd()) {
    return tf.tidy(() => {
      const both = run('DmatChannelSums', { dy, x });
      return [tf.reshape(tf.slice(both, 0, 1), [c]), tf.reshape(tf.slice(both, 1, 1), [c])];
    });
  }
  const axes = batchAxes(x);
  return tf.tidy(() => [tf.sum(dy, axes), tf.sum(tf.mul(dy, x), axes)]);
}

/** x·a + b, with a and b per channel ([c]). */
export function channelAffine(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (simd()) return run('DmatChannelAffine', { x, a, b });
  return tf.tidy(() => tf.add(tf.mul(x, a), b));
}

/** dy·a + x·b + k, with a, b and k per channel ([c]). */
export function channelAffine2(
  dy: tf.Tensor,
  x: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  k: tf.Tensor,
): tf.Tensor {
  if (simd()) return run('DmatChannelAffine2', { dy, x, a, b, k });
  return tf.tidy(() => tf.add(tf.add(tf.mul(dy, a), tf.mul(x, b)), k));
}
