/**
 * Audit fixtures: the tiny on-manifold dataset of `fixtures.ts` and a small classifier trained on
 * it (flatten → dense 32 relu → dense numClasses), cached on disk like the other fixtures. Small
 * enough that a full audit of a few hundred samples takes seconds on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readDataset } from '../../src/main/engine/data/dataset';
import { saveClassifier } from '../../src/main/engine/models/index';
import { cachedFolder, FIXTURE_CACHE, onManifoldDatasetFolder } from './fixtures';

export interface AuditFixture {
  datasetFolder: string;
  classifierFolder: string;
}

const NUM_CLASSES = 4;

export async function auditFixture(): Promise<AuditFixture> {
  const datasetFolder = await onManifoldDatasetFolder({ numClasses: NUM_CLASSES });
  const classifierFolder = path.join(FIXTURE_CACHE, 'audit-classifier-v1');
  await cachedFolder(
    classifierFolder,
    (f) => existsSync(path.join(f, 'dmat-model.json')),
    async (tmp) => {
      const ds = await readDataset(datasetFolder, { splits: ['train'] });
      const s = ds.splits.train;
      const model = tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28, 1] }),
          tf.layers.dense({
            units: 32,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }),
          }),
          tf.layers.dense({
            units: NUM_CLASSES,
            kernelInitializer: tf.initializers.glorotNormal({ seed: 6 }),
          }),
        ],
      });
      model.compile({
        optimizer: tf.train.adam(0.01),
        loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
      });
      const x = tf.tidy(() =>
        tf.tensor4d(Float32Array.from(s.x.data), [s.count, 28, 28, 1]).div(255),
      );
      const y = tf.oneHot(tf.tensor1d(s.y.data, 'int32'), NUM_CLASSES);
      await model.fit(x, y, { epochs: 15, batchSize: 64, shuffle: false, verbose: 0 });
      tf.dispose([x, y]);
      await saveClassifier(tmp, model, {
        name: 'audit-fixture-mlp',
        inputShape: [28, 28, 1],
        numClasses: NUM_CLASSES,
        classNames: Array.from({ length: NUM_CLASSES }, (_, i) => `class-${i}`),
        preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
        architecture: 'mlp-32',
        provenance: { source: 'tiny-om train split', epochs: 15 },
      });
      model.dispose();
    },
  );
  return { datasetFolder, classifierFolder };
}
