/**
 * One training step at batch 128: forward in training mode (batch statistics), cross-entropy,
 * gradients of every weight, SGD with momentum 0.9.
 */
import * as tf from '@tensorflow/tfjs';
import type { BenchCase } from '../types';
import { BATCH, benchModel, crossEntropy, randomBatch } from './fixtures';

export const trainStep: BenchCase = {
  id: 'train-step',
  metric: `training step (fwd + CE + grads + SGD momentum), batch ${BATCH}`,
  imagesPerRun: () => BATCH,
  stepsPerRun: () => 1,
  async setup() {
    const model = benchModel();
    const { x, y } = randomBatch(BATCH);
    const optimizer = tf.train.momentum(0.01, 0.9);
    return {
      run: () => {
        const cost = optimizer.minimize(
          () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
          true,
        );
        cost?.dataSync();
        cost?.dispose();
      },
      dispose: () => {
        optimizer.dispose();
        // tfjs 4.22's MomentumOptimizer.dispose() leaves its learning-rate scalar behind.
        (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
        tf.dispose([x, y]);
        model.dispose();
      },
    };
  },
};
