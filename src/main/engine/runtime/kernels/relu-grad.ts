/**
 * Gradient of Relu from its output (y > 0 exactly where x > 0), replacing tfjs's
 * dy·cast(step(x)): on wasm it is one pass (relu-backward.ts) instead of three. Gradients are
 * backend-independent; elsewhere reluBackward falls back to ops.
 */
import type * as tf from '@tensorflow/tfjs';
import { reluBackward } from './relu-backward';

export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const g = Array.isArray(dy) ? dy[0] : dy;
    return { x: () => reluBackward(g, saved[0]) };
  },
};
