/** Checks run on every model the engine loads, each failing with a message naming the file. */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { ModelError } from './errors';
import type { Classifier } from './types';

/** Named weights of a LayersModel or GraphModel. */
export function namedWeights(model: tf.LayersModel | tf.GraphModel): [string, tf.Tensor][] {
  if (model instanceof tf.GraphModel)
    return Object.entries(model.weights).map(([k, v]) => [k, v[0]]);
  return model.weights.map((w) => [w.originalName ?? w.name, w.read()]);
}

/** Throw when any weight holds NaN or ±Infinity, naming the first such weight. */
export function checkFiniteWeights(model: tf.LayersModel | tf.GraphModel, file: string): void {
  for (const [name, w] of namedWeights(model)) {
    if (w.dtype !== 'float32') continue;
    const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(w)).sum().dataSync()[0]);
    if (bad > 0) {
      throw new ModelError(
        file,
        `weight "${name}" has ${bad} non-finite value(s) (NaN or Infinity)`,
      );
    }
  }
}

/** A fixed probe batch in [0,1]: a black image, a white one and seeded noise. */
export function probeBatch(inputShape: [number, number, number], n = 6): tf.Tensor4D {
  return tf.tidy(() => {
    const noise = tf.randomUniform([n - 2, ...inputShape], 0, 1, 'float32', 1234);
    return tf.concat([
      tf.zeros([1, ...inputShape]),
      tf.ones([1, ...inputShape]),
      noise,
    ]) as tf.Tensor4D;
  });
}

export interface ProbeResult {
  /** Every row is non-negative and sums to 1: the model outputs probabilities. */
  looksLikeProbabilities: boolean;
  finite: boolean;
  outputShape: number[];
}

export function probeOutputs(classifier: Classifier): ProbeResult {
  return tf.tidy(() => {
    const z = classifier.logits(probeBatch(classifier.inputShape));
    const values = z.arraySync();
    const finite = values.every((row) => row.every(Number.isFinite));
    const looksLikeProbabilities =
      finite &&
      values.every(
        (row) => row.every((v) => v >= 0) && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4,
      );
    return { looksLikeProbabilities, finite, outputShape: z.shape };
  });
}

/** The model the dataset side needs to match: shape of an image and number of classes. */
export interface DatasetShape {
  name: string;
  imageShape: number[];
  numClasses: number;
  /** The manifest it came from, for messages. */
  file?: string;
}

/** Throw when a classifier cannot be used on a dataset (image shape or class count differ). */
export function checkCompatible(
  classifier: Classifier & { source?: string },
  datasetOrShape: DatasetShape | { manifest: DatasetShape; folder?: string },
): void {
  const dataset: DatasetShape =
    'manifest' in datasetOrShape
      ? {
          ...datasetOrShape.manifest,
          file: datasetOrShape.folder
            ? path.join(datasetOrShape.folder, 'manifest.json')
            : datasetOrShape.manifest.name,
        }
      : datasetOrShape;
  const modelFile = classifier.source ?? classifier.name;
  const dataFile = dataset.file ?? dataset.name;
  const a = classifier.inputShape.join('×');
  const b = dataset.imageShape.join('×');
  if (a !== b) {
    throw new ModelError(
      modelFile,
      `model takes ${a} images (H×W×C) but dataset ${dataFile} holds ${b} images`,
    );
  }
  if (classifier.numClasses !== dataset.numClasses) {
    throw new ModelError(
      modelFile,
      `wrong number of classes: model outputs ${classifier.numClasses} but dataset ${dataFile} has ${dataset.numClasses}`,
    );
  }
}
