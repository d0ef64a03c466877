/** Shared inputs for the cases: the benchmark CNN and a fixed random batch (seeded). */
import * as tf from '@tensorflow/tfjs';
import { benchCnn } from '../../src/main/engine/models/architectures';

export const BATCH = 128;
export const NUM_CLASSES = 10;

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export function benchModel(): tf.LayersModel {
  return benchCnn([32, 32, 3], NUM_CLASSES);
}

export function randomBatch(size: number, seed = 1): Batch {
  return tf.tidy(() => ({
    x: tf.randomUniform([size, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
    y: tf.cast(
      tf.floor(tf.randomUniform([size], 0, NUM_CLASSES, 'float32', seed + 1)),
      'int32',
    ) as tf.Tensor1D,
  }));
}

export function crossEntropy(logits: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_CLASSES), logits) as tf.Scalar;
}
