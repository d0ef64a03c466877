/**
 * The feature network for the perceptual term of projection (paper eq. 7), and the small CNN of
 * the learnability check.
 *
 * LPIPS weights cannot be fetched offline, so the perceptual distance is computed, as LPIPS does,
 * on unit-normalised intermediate activations of a classifier — here a small CNN trained on the
 * same images — with equal weights per channel (LPIPS's "baseline" variant, without the learned
 * linear heads):  d(a, b) = Σ_l mean_{h,w} ‖f̂_l(a) − f̂_l(b)‖²,  f̂ = f / ‖f‖ over channels.
 * Any tfjs classifier can be used instead by naming the layers whose outputs are the features.
 */
import * as tf from '@tensorflow/tfjs';
import type { NdArray } from '../data/ndarray';
import { epochBatches, imageBatch, nextTick, orderedBatches } from './batches';
import { ManifoldError } from './errors';

/**
 * Names of the activations that feed the perceptual distance in the built-in network: the first
 * two (full and half resolution). The third (quarter resolution) would double the cost of every
 * projection step for little change in the optimum on small images.
 */
export const BUILTIN_FEATURE_LAYERS = ['feat1', 'feat2'];

/** A small CNN classifier on [0,1] images: three 3×3 conv layers (16, 32/2, 64/2) and a dense head. */
export function buildFeatureClassifier(
  imageShape: [number, number, number],
  numClasses: number,
  seed = 0,
): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 101 + k });
  const input = tf.input({ shape: imageShape, name: 'image' });
  let h: tf.SymbolicTensor = input;
  const spec: [number, number][] = [
    [16, 1],
    [32, 2],
    [64, 2],
  ];
  spec.forEach(([filters, strides], i) => {
    h = tf.layers
      // ReLU inside the layer keeps the convolution unfused under gradients (see
      // generatorArchitecture.ts): projection needs ∂/∂input only.
      .conv2d({
        filters,
        kernelSize: 3,
        strides,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(i),
        name: `feat${i + 1}`,
      })
      .apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.3, seed }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: numClasses, kernelInitializer: init(9), name: 'logits' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'dmat_feature_cnn' });
}

/**
 * A perceptual distance between image batches in [0,1]. The target's features are computed once
 * (`features`) and compared with each new candidate (`distance`), since projection compares many
 * candidates with the same target.
 */
export interface PerceptualDistance {
  /** What was used, for provenance. */
  readonly description: string;
  /** Normalised features of a batch (the caller disposes them). */
  features(x: tf.Tensor4D): tf.Tensor[];
  /** Per-sample distance [B] of a batch to target features from `features`. */
  distance(a: tf.Tensor4D, target: tf.Tensor[]): tf.Tensor1D;
}

/** LPIPS-like distance on the named layers of a classifier (the classifier takes [0,1] images). */
export function featureDistance(
  classifier: tf.LayersModel,
  layerNames: string[],
  description: string,
  preprocess: (x: tf.Tensor4D) => tf.Tensor4D = (x) => x,
): PerceptualDistance {
  const outputs = layerNames.map((n) => {
    try {
      return classifier.getLayer(n).output as tf.SymbolicTensor;
    } catch {
      throw new ManifoldError(
        `feature network "${classifier.name}" has no layer "${n}" (layers: ${classifier.layers.map((l) => l.name).join(', ')})`,
      );
    }
  });
  const features = tf.model({ inputs: classifier.inputs, outputs });
  const normalise = (f: tf.Tensor) => f.div(f.square().sum(-1, true).add(1e-10).sqrt());
  const featuresOf = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const f = features.apply(preprocess(x), { training: false }) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(f) ? f : [f]).map(normalise);
    });
  return {
    description,
    features: featuresOf,
    distance: (a, target) =>
      tf.tidy(() => {
        const n = a.shape[0];
        const terms = featuresOf(a).map((f, l) =>
          f.sub(target[l]).square().sum(-1).reshape([n, -1]).mean(1),
        );
        return tf.addN(terms) as tf.Tensor1D;
      }),
  };
}

export interface TrainClassifierOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Called after every batch with the fraction done and the running loss. */
  onProgress?: (done: number, total: number, loss: number) => void;
}

/** Train a classifier (logits output) with Adam and cross-entropy on uint8 or [0,1] images. */
export async function trainClassifier(
  model: tf.LayersModel,
  images: NdArray,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: TrainClassifierOptions,
): Promise<{ finalLoss: number }> {
  const n = images.shape[0];
  const optimizer = tf.train.adam(opts.learningRate);
  const total = Math.ceil(n / opts.batchSize) * opts.epochs;
  let done = 0;
  let running = NaN;
  try {
    for (let e = 0; e < opts.epochs; e++) {
      for (const idx of epochBatches(n, opts.batchSize, opts.seed + e)) {
        const loss = tf.tidy(() => {
          const x = imageBatch(images, idx);
          const y = tf.oneHot(
            tf.tensor1d(
              idx.map((i) => labels[i]),
              'int32',
            ),
            numClasses,
          );
          const cost = optimizer.minimize(
            () =>
              tf.losses.softmaxCrossEntropy(
                y,
                model.apply(x, { training: true }) as tf.Tensor,
              ) as tf.Scalar,
            true,
            trainable(model),
          );
          return cost!.dataSync()[0];
        });
        running = Number.isNaN(running) ? loss : 0.95 * running + 0.05 * loss;
        opts.onProgress?.(++done, total, running);
        if (done % 8 === 0) await nextTick();
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { finalLoss: running };
}

/** The tf.Variables behind a LayersModel's trainable weights (what an optimiser must update). */
export function trainable(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Top-1 accuracy of a logits model on images and labels. */
export async function accuracy(
  model: tf.LayersModel,
  images: NdArray,
  labels: ArrayLike<number>,
  batchSize = 256,
): Promise<number> {
  let correct = 0;
  for (const idx of orderedBatches(images.shape[0], batchSize)) {
    const pred = tf.tidy(() =>
      (model.apply(imageBatch(images, idx)) as tf.Tensor).argMax(-1).dataSync(),
    );
    idx.forEach((i, j) => (correct += pred[j] === labels[i] ? 1 : 0));
    await nextTick();
  }
  return correct / images.shape[0];
}
