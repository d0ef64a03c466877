/** The TRADES divergence between the clean and the perturbed predictions. */
import * as tf from '@tensorflow/tfjs';

/**
 * Σ_samples KL(p ‖ softmax(logitsAdv)), with p = softmax(logitsNat) (as PyTorch's
 * KLDivLoss(log_softmax(adv), softmax(nat), reduction='sum') in the TRADES code).
 */
export function klSum(logitsNat: tf.Tensor2D, logitsAdv: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(logitsNat);
    return tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, tf.logSoftmax(logitsAdv)))) as tf.Scalar;
  });
}

/** KL averaged over the batch ("batchmean"), the training term. */
export function klMean(logitsNat: tf.Tensor2D, logitsAdv: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(klSum(logitsNat, logitsAdv), logitsNat.shape[0]) as tf.Scalar);
}
