/**
 * Model state for checkpoints and seeded initialisation. Training works on tf.LayersModel
 * (built-in architectures and loaded Layers models); a GraphModel has no trainable weights.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../attacks/seeds';
import type { NamedArray } from './optimizer';

/** Every weight of the model (trainable and batch-norm statistics), by name. */
export function getModelState(model: tf.LayersModel): NamedArray[] {
  return model.weights.map((w) => {
    const v = w.read();
    return { name: w.name, shape: v.shape.slice(), data: v.dataSync() as Float32Array };
  });
}

export function setModelState(model: tf.LayersModel, state: readonly NamedArray[]): void {
  const weights = model.weights;
  if (state.length !== weights.length) {
    throw new Error(`checkpoint has ${state.length} weights, the model ${weights.length}`);
  }
  // By position: tfjs suffixes the names of a rebuilt model ("conv1/kernel_9"), so compare
  // names without that suffix, and shapes exactly.
  const base = (n: string) => n.replace(/_\d+$/, '');
  const values = weights.map((w, i) => {
    const s = state[i];
    if (base(s.name) !== base(w.name) || s.shape.join() !== w.shape.join()) {
      throw new Error(
        `checkpoint weight ${i} is "${s.name}" [${s.shape}], the model's is "${w.name}" [${w.shape}]`,
      );
    }
    return tf.tensor(s.data, s.shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/**
 * Re-initialise a freshly built model from a seed, so that a run is reproducible end to end
 * (tfjs initialisers draw unseeded numbers). Kernels: Glorot uniform, the tfjs default for
 * conv and dense layers; biases and β: 0; γ and moving variance: 1; moving mean: 0.
 */
export function seedModelWeights(model: tf.LayersModel, seed: number): void {
  const values = model.weights.map((w, i) =>
    tf.tidy(() => {
      const name = w.name.split('/').pop() ?? '';
      const s = w.shape as number[];
      if (/gamma|moving_variance/.test(name)) return tf.ones(s);
      if (/kernel/.test(name)) {
        const receptive = s.slice(0, -2).reduce((a, b) => a * b, 1);
        const fanIn = s.length >= 2 ? receptive * s[s.length - 2] : s[0];
        const fanOut = receptive * s[s.length - 1];
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        return tf.randomUniform(s, -limit, limit, 'float32', deriveSeed(seed, i));
      }
      return tf.zeros(s);
    }),
  );
  model.setWeights(values);
  tf.dispose(values);
}

/**
 * Set the running-statistics momentum of every batch-norm layer (tfjs convention: the weight of
 * the old value). tfjs defaults to 0.99, which needs ~500 steps to track the statistics; the
 * reference PyTorch code uses 0.1 in PyTorch's convention, i.e. 0.9 here. Returns how many
 * layers were changed. The value is part of the layer config, so a saved model keeps it.
 */
export function setBatchNormMomentum(model: tf.LayersModel, momentum: number): number {
  let changed = 0;
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof tf.LayersModel) visit(layer.layers);
      else if (layer.getClassName() === 'BatchNormalization') {
        (layer as unknown as { momentum: number }).momentum = momentum;
        changed++;
      }
    }
  };
  visit(model.layers);
  return changed;
}
