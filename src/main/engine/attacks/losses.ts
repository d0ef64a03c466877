/** Losses the attacks maximise (and training minimises), on logits. */
import * as tf from '@tensorflow/tfjs';

/**
 * Summed cross-entropy of logits [B, K] against integer labels [B]. Summed rather than averaged
 * so that each sample's input gradient does not depend on the batch size.
 */
export function crossEntropySum(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)))) as tf.Scalar;
  });
}

/** Mean cross-entropy, the training loss. */
export function crossEntropyMean(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.div(crossEntropySum(logits, labels), logits.shape[0]));
}
