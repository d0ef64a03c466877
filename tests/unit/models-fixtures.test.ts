import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { accuracy, mnistSubset, tinyGenerator, trainedClassifier } from '../helpers/fixtures';

beforeAll(async () => {
  await initBackend();
});

describe('test fixtures', () => {
  it('reads a labelled MNIST subset with every class present', async () => {
    const { train, test } = await mnistSubset();
    expect(train.x.shape).toEqual([2000, 28, 28, 1]);
    expect(test.y.shape).toEqual([500]);
    expect(new Set(train.y.data).size).toBe(10);
  });

  it.each(['linear', 'cnn'] as const)('trains a %s classifier well above chance', async (kind) => {
    const clf = await trainedClassifier(kind);
    const { test } = await mnistSubset();
    expect(accuracy(clf, test)).toBeGreaterThan(0.75);
    clf.dispose();
  });

  it('builds a deterministic generator with outputs in [0,1]', () => {
    const a = tinyGenerator();
    const b = tinyGenerator();
    const w = tf.randomNormal([4, 8], 0, 1, 'float32', 5);
    const ga = a.generate(w);
    const gb = b.generate(w);
    expect(ga.shape).toEqual([4, 28, 28, 1]);
    expect(ga.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(ga.max().dataSync()[0]).toBeLessThanOrEqual(1);
    expect(tf.sub(ga, gb).abs().max().dataSync()[0]).toBe(0);
    tf.dispose([w, ga, gb]);
    a.dispose();
    b.dispose();
  });
});
