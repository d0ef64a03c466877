/**
 * Per-norm geometry for perturbation attacks: random start, gradient normalisation (the ascent
 * direction of steepest increase under the norm), projection onto the ε-ball and per-sample
 * measurement. The gradient loop and the base class only ever call these hooks, so a new norm is
 * one object here and never an `if (norm === …)` elsewhere.
 *
 * Every function works on a batch whose first axis is the sample; the remaining axes are flattened.
 */
import * as tf from '@tensorflow/tfjs';

export interface NormGeometry {
  /** Name of the norm, as reported in `Attack.norm`. */
  readonly id: 'linf' | 'l2';
  /** A point drawn uniformly from the ε-ball, one per sample, deterministic in `seed`. */
  randomStart(shape: number[], eps: number, seed: number): tf.Tensor;
  /** The steepest-ascent direction of unit size in this norm for a gradient. */
  normalize(grad: tf.Tensor): tf.Tensor;
  /** Euclidean projection (L∞: clipping) of every sample onto the ball of radius eps. */
  project(delta: tf.Tensor, eps: number): tf.Tensor;
  /** Per-sample norm, shape [B]. */
  measure(delta: tf.Tensor): tf.Tensor1D;
}

/** Guards divisions by a per-sample norm that may be exactly zero (a zero gradient). */
const TINY = 1e-12;

/** Reshape a per-sample vector [B] so it broadcasts against a tensor of the given rank. */
function perSample(v: tf.Tensor1D, rank: number): tf.Tensor {
  return v.reshape([v.shape[0], ...new Array<number>(rank - 1).fill(1)]);
}

function flat(t: tf.Tensor): tf.Tensor2D {
  return t.reshape([t.shape[0], -1]);
}

export const LINF: NormGeometry = {
  id: 'linf',
  randomStart: (shape, eps, seed) => tf.randomUniform(shape, -eps, eps, 'float32', seed),
  normalize: (grad) => tf.sign(grad),
  project: (delta, eps) => tf.clipByValue(delta, -eps, eps),
  measure: (delta) => tf.max(tf.abs(flat(delta)), 1) as tf.Tensor1D,
};

function l2Norms(t: tf.Tensor): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(flat(t)), 1)) as tf.Tensor1D;
}

export const L2: NormGeometry = {
  id: 'l2',
  // Uniform in the ball: a Gaussian direction, radius ε·u^(1/d) with d the per-sample dimension.
  randomStart: (shape, eps, seed) =>
    tf.tidy(() => {
      const dim = shape.slice(1).reduce((a, b) => a * b, 1);
      const dir = tf.randomNormal(shape, 0, 1, 'float32', seed);
      const u = tf.randomUniform([shape[0]], 0, 1, 'float32', seed + 1);
      const radius = tf.mul(eps, tf.pow(u, 1 / dim)) as tf.Tensor1D;
      const unit = tf.div(dir, perSample(tf.add(l2Norms(dir), TINY) as tf.Tensor1D, shape.length));
      return tf.mul(unit, perSample(radius, shape.length));
    }),
  normalize: (grad) =>
    tf.tidy(() => tf.div(grad, perSample(tf.add(l2Norms(grad), TINY) as tf.Tensor1D, grad.rank))),
  project: (delta, eps) =>
    tf.tidy(() => {
      const scale = tf.minimum(1, tf.div(eps, tf.add(l2Norms(delta), TINY))) as tf.Tensor1D;
      return tf.mul(delta, perSample(scale, delta.rank));
    }),
  measure: l2Norms,
};

/** Per-sample L1 normalisation g/‖g‖₁, used by the momentum attack. */
export function l1Normalize(grad: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = tf.add(tf.sum(tf.abs(flat(grad)), 1), TINY) as tf.Tensor1D;
    return tf.div(grad, perSample(n, grad.rank));
  });
}

export const NORMS: Record<NormGeometry['id'], NormGeometry> = { linf: LINF, l2: L2 };
