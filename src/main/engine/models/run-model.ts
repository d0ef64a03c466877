/** The three things classifiers and generators need of a tfjs model, shared by both wrappers. */
import * as tf from '@tensorflow/tfjs';

/** A LayersModel's first output, with batch-norm in training or inference mode. */
export function layersForward(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  return Array.isArray(out) ? (out[0] as tf.Tensor) : (out as tf.Tensor);
}

/** A GraphModel's first output (a frozen graph has no training mode). */
export function graphForward(model: tf.GraphModel, x: tf.Tensor): tf.Tensor {
  const out = model.predict(x);
  if (out instanceof tf.Tensor) return out;
  return Array.isArray(out) ? out[0] : Object.values(out)[0];
}

/** A LayersModel's trainable variables. */
export function layersTrainables(model: tf.LayersModel): tf.Variable[] {
  // LayerVariable.read() hands back its underlying tf.Variable (typed only as a Tensor).
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}
