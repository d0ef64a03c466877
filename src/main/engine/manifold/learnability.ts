/**
 * The paper's learnability point, measured: a small CNN trained on the on-manifold images g(w)
 * should reach an accuracy close to the same CNN trained on the natural images x. Each is tested
 * on its own kind of test images (g(w) test for the g(w) model, x test for the x model).
 */
import type { NdArray } from '../data/ndarray';
import type { LearnabilityFigure } from './datasetManifest';
import { accuracy, buildFeatureClassifier, trainClassifier } from './featureNetwork';

export interface LearnabilityOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  onProgress?: (what: 'g(w)' | 'x', done: number, total: number) => void;
}

export const DEFAULT_LEARNABILITY: Omit<LearnabilityOptions, 'onProgress'> = {
  epochs: 2,
  batchSize: 64,
  learningRate: 1e-3,
  seed: 11,
};

export async function learnability(
  trainedOn: 'g(w)' | 'x',
  train: { x: NdArray; y: ArrayLike<number> },
  test: { x: NdArray; y: ArrayLike<number> },
  numClasses: number,
  opts: LearnabilityOptions,
): Promise<LearnabilityFigure> {
  const model = buildFeatureClassifier(
    train.x.shape.slice(1) as [number, number, number],
    numClasses,
    opts.seed,
  );
  try {
    await trainClassifier(model, train.x, train.y, numClasses, {
      ...opts,
      onProgress: (d, t) => opts.onProgress?.(trainedOn, d, t),
    });
    const acc = await accuracy(model, test.x, test.y);
    return {
      trainedOn,
      testAccuracy: Math.round(acc * 1e4) / 1e4,
      epochs: opts.epochs,
      trainCount: train.x.shape[0],
      testCount: test.x.shape[0],
    };
  } finally {
    model.dispose();
  }
}
