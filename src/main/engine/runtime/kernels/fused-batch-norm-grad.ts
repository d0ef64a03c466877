/**
 * Gradient of FusedBatchNorm (y = (x − mean)·rsqrt(var + ε)·scale + offset), replacing tfjs's
 * own. That one tiles rsqrt(var + ε) to the full size of x and computes x − mean and dy·scale
 * eagerly, even when only dx is asked for (every attack step, where mean and variance are
 * frozen statistics); here each input's gradient is computed only when the tape asks for it,
 * per-channel factors broadcast instead of tiling, and channel sums skip the transpose.
 * Gradients are backend-independent, so this one serves every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { sumToShape } from './reduce-leading';

export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const dyT = Array.isArray(dy) ? dy[0] : dy;
    const [x, mean, variance, scale] = saved;
    const eps = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
    const rstd = () => tf.rsqrt(tf.add(variance, eps));
    /** rsqrt(var + ε)·scale, the per-channel slope of y in x. */
    const slope = () => (scale ? tf.mul(rstd(), scale) : rstd());
    /** Σ dy·(x − mean), reduced to the statistics' shape. */
    const dyDotCentered = () => sumToShape(tf.mul(dyT, tf.sub(x, mean)), mean.shape);
    return {
      x: () => tf.mul(dyT, slope()),
      mean: () => tf.neg(tf.mul(sumToShape(dyT, mean.shape), slope())),
      variance: () => {
        // d/dvar of (var + ε)^(−1/2) is −½(var + ε)^(−3/2).
        const r = rstd();
        const s = tf.mul(tf.mul(tf.mul(r, r), r), -0.5);
        return tf.mul(tf.mul(dyDotCentered(), s), scale ?? 1);
      },
      scale: () => tf.mul(dyDotCentered(), rstd()),
      offset: () => sumToShape(dyT, mean.shape),
    };
  },
};
