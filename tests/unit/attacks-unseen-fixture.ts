/**
 * Test fixture for the unseen attacks, APGD and the sanity checks: a small synthetic image task
 * (oriented low-contrast gratings plus noise, 4 classes) and a softmax-regression classifier
 * trained on it in about a second. Small enough for wasm, real enough that attacks must work.
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../../src/main/engine/models/types';
import { IDENTITY_PREPROCESSING } from '../../src/main/engine/models/types';
import { makeRng } from '../../src/main/engine/attacks/parametric-attack';

export const NUM_CLASSES = 4;

/** Images [n,h,w,c] in [0,1] and int32 labels: class k is a grating at angle k·π/4. */
export function gratings(
  n: number,
  h: number,
  w: number,
  c: number,
  seed: number,
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = makeRng(seed);
  const data = new Float32Array(n * h * w * c);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const k = s % NUM_CLASSES;
    labels[s] = k;
    const angle = (k * Math.PI) / NUM_CLASSES;
    const phase = 2 * Math.PI * rng();
    const freq = (2 * Math.PI) / 6;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = 0.5 + 0.2 * Math.sin(freq * (Math.cos(angle) * j + Math.sin(angle) * i) + phase);
        for (let ch = 0; ch < c; ch++) {
          const noise = 0.15 * (rng() - 0.5);
          data[((s * h + i) * w + j) * c + ch] = Math.min(1, Math.max(0, v + noise));
        }
      }
    }
  }
  return { x: tf.tensor4d(data, [n, h, w, c]), y: tf.tensor1d(labels, 'int32') };
}

/** A classifier from a logits function of a flattened batch. */
export function classifierOf(
  name: string,
  inputShape: [number, number, number],
  forward: (flat: tf.Tensor2D) => tf.Tensor2D,
  vars: tf.Variable[],
): Classifier {
  return {
    name,
    inputShape,
    numClasses: NUM_CLASSES,
    preprocessing: IDENTITY_PREPROCESSING,
    logits: (x) => tf.tidy(() => forward(tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D)),
    trainableVariables: () => vars,
    dispose: () => tf.dispose(vars),
  };
}

/** A two-layer network (32 hidden tanh units) trained on gratings of the given shape. */
export function trainedClassifier(shape: [number, number, number], seed = 1): Classifier {
  const [h, w, c] = shape;
  const d = h * w * c;
  const rng = makeRng(seed);
  const init = (rows: number, cols: number) =>
    tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: rows * cols }, () => (rng() - 0.5) * 2 * Math.sqrt(3 / rows)),
        [rows, cols],
      ),
    );
  const w1 = init(d, 32);
  const b1 = tf.variable(tf.zeros([32]));
  const w2 = init(32, NUM_CLASSES);
  const b2 = tf.variable(tf.zeros([NUM_CLASSES]));
  const forward = (flat: tf.Tensor2D) =>
    tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(tf.sub(flat, 0.5), w1), b1)), w2), b2) as tf.Tensor2D;
  const data = gratings(256, h, w, c, seed + 100);
  const flat = tf.reshape(data.x, [256, d]) as tf.Tensor2D;
  const onehot = tf.oneHot(data.y, NUM_CLASSES);
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < 150; i++) {
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(onehot, forward(flat)) as tf.Scalar);
    });
  }
  opt.dispose();
  tf.dispose([data.x, data.y, flat, onehot]);
  return classifierOf('gratings-mlp', shape, forward, [w1, b1, w2, b2]);
}

/** Fraction of the batch the classifier gets right on `x`. */
export function accuracy(classifier: Classifier, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return tf.tidy(() => {
    const pred = tf.argMax(classifier.logits(x), 1);
    return tf.mean(tf.cast(tf.equal(pred, tf.cast(y, 'int32')), 'float32')).dataSync()[0];
  });
}
