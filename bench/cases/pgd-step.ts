/**
 * One PGD L∞ step at batch 128: the input gradient of the cross-entropy, a signed step and the
 * projection onto the ε-ball and the [0,1] box. Two variants: through the engine's frozen
 * forward pass (batch-norm folded, input-only gradients: what attacks use) and through the
 * plain LayersModel (tf.grad also computes weight gradients), to show what the first saves.
 */
import * as tf from '@tensorflow/tfjs';
import { frozenForward } from '../../src/main/engine/models/frozen';
import type { BenchCase, BenchRun } from '../types';
import { BATCH, benchModel, crossEntropy, randomBatch } from './fixtures';
import { stepRatioNote, torchStepTiming } from './torch-reference';

const EPS = 4 / 255;
const STEP = 1 / 255;

function pgdStepRun(
  logitsOf: (model: tf.LayersModel) => (x: tf.Tensor4D) => tf.Tensor,
  rows: [number, number] = [0, BATCH],
  model = benchModel(),
): BenchRun {
  const full = randomBatch(BATCH);
  const x = tf.slice(full.x, rows[0], rows[1]);
  const y = tf.slice(full.y, rows[0], rows[1]) as tf.Tensor1D;
  tf.dispose([full.x, full.y]);
  const logits = logitsOf(model);
  const grad = tf.grad((d: tf.Tensor) =>
    crossEntropy(logits(tf.clipByValue(tf.add(x, d), 0, 1) as tf.Tensor4D), y),
  );
  let delta = tf.zerosLike(x) as tf.Tensor;
  return {
    run: () => {
      const next = tf.tidy(() => {
        const stepped = tf.add(delta, tf.mul(STEP, tf.sign(grad(delta))));
        const projected = tf.clipByValue(stepped, -EPS, EPS);
        return tf.sub(tf.clipByValue(tf.add(x, projected), 0, 1), x);
      });
      delta.dispose();
      delta = next;
      delta.dataSync();
    },
    dispose: () => {
      tf.dispose([x, y, delta]);
      model.dispose();
    },
  };
}

/** The frozen-forward PGD step on rows [offset, offset + size) of the benchmark batch. */
export function pgdStepper(offset: number, size: number): BenchRun {
  return pgdStepRun((model) => frozenForward(model), [offset, size]);
}

export const pgdStep: BenchCase = {
  id: 'pgd-step',
  metric: `PGD step (input gradient, frozen forward), batch ${BATCH}`,
  imagesPerRun: () => BATCH,
  stepsPerRun: () => 1,
  setup: async (opts) => {
    const model = benchModel();
    const torch = torchStepTiming('pgd-step', model, [32, 32, 3], 1, BATCH, opts.quick);
    const run = pgdStepRun((m) => frozenForward(m), [0, BATCH], model);
    return { ...run, note: (ms) => stepRatioNote(torch, ms) };
  },
};

export const pgdStepLayers: BenchCase = {
  id: 'pgd-step-layers',
  metric: `PGD step (input gradient via LayersModel), batch ${BATCH}`,
  imagesPerRun: () => BATCH,
  stepsPerRun: () => 1,
  setup: async () => pgdStepRun((model) => (x) => model.apply(x, { training: false }) as tf.Tensor),
};
