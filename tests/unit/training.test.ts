import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { smallCnn } from '../../src/main/engine/models/architectures/small-cnn';
import { TrainingSet } from '../../src/main/engine/training/data';
import {
  configProblems,
  train,
  TrainingConfigError,
  type EpochMetrics,
  type TrainConfig,
} from '../../src/main/engine/training/train';
import { METHODS } from '../../src/main/engine/training/methods/index';
import { klMean } from '../../src/main/engine/training/kl';
import { SgdMomentum } from '../../src/main/engine/training/optimizer';
import {
  lrAt,
  lrForStep,
  REFERENCE_KNOTS,
  scaleKnots,
} from '../../src/main/engine/training/schedule';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
} from '../../src/main/engine/training/checkpoint';
import { getModelState } from '../../src/main/engine/training/weights';
import { attackView } from '../../src/main/engine/models/attack-view';
import { crossEntropyMean } from '../../src/main/engine/attacks/losses';
import type { TrainingMethod } from '../../src/shared/api';
import { SigmoidGenerator, uniforms } from './attacks-seen.fixtures';

const SHAPE: [number, number, number] = [8, 8, 1];
let gen: SigmoidGenerator;
let trainSet: TrainingSet;
let valSet: TrainingSet;

/** Records (w, g(w), y) with y = argmax(w·M): learnable from g(w) since g is smooth in w. */
function makeSet(n: number, seed: number): TrainingSet {
  const latents = uniforms(n * 4, seed).map((u) => 2 * u - 1);
  const M = uniforms(12, 99).map((u) => 2 * u - 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const scores = [0, 1, 2].map((k) =>
      [0, 1, 2, 3].reduce((s, j) => s + latents[i * 4 + j] * M[j * 3 + k], 0),
    );
    labels[i] = scores.indexOf(Math.max(...scores));
  }
  const images = tf.tidy(
    () => gen.generate(tf.tensor2d(latents, [n, 4])).dataSync() as Float32Array,
  );
  return new TrainingSet({ images, imageShape: SHAPE, labels, latents, latentShape: [4] });
}

function newClassifier(): LayersClassifier {
  return new LayersClassifier(smallCnn(SHAPE, 3, { width: 4, hidden: 16 }), {
    name: 'cnn',
    inputShape: SHAPE,
    numClasses: 3,
  });
}

function baseConfig(method: TrainingMethod, classifier: LayersClassifier): TrainConfig {
  return {
    method,
    classifier,
    generator: gen,
    train: trainSet,
    validation: valSet,
    epochs: 3,
    batchSize: 16,
    lrKnots: [
      { epoch: 0, value: 0.05 },
      { epoch: 3, value: 0.05 },
    ],
    momentum: 0.9,
    weightDecay: 1e-4,
    imageAttack: { eps: 0.05, stepSize: 0.02, steps: 3 },
    latentAttack: { eps: 0.1, stepSize: 0.05, steps: 3 },
    tradesBeta: 6,
    seed: 11,
    evalSteps: 3,
    seedInit: true,
  };
}

beforeAll(async () => {
  await initBackend();
  gen = new SigmoidGenerator();
  trainSet = makeSet(96, 1);
  valSet = makeSet(30, 2);
});
afterAll(() => gen.dispose());

describe('every method learns on a small problem', () => {
  it.each(Object.keys(METHODS) as TrainingMethod[])(
    '%s: mean loss falls from epoch 1 to 3',
    async (method) => {
      const classifier = newClassifier();
      const cfg = { ...baseConfig(method, classifier), validation: undefined };
      const before = tf.memory().numTensors;
      const r = await train(cfg);
      expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      expect(r.history[2].trainLoss).toBeLessThan(r.history[0].trainLoss);
      // Nothing but the model's own variables survives a run.
      expect(tf.memory().numTensors).toBe(before);
      classifier.dispose();
    },
  );
});

describe('TRADES', () => {
  it('KL is zero between identical predictions and positive otherwise', () => {
    const a = tf.tensor2d([
      [1, 2, 3],
      [0, -1, 4],
    ]);
    const b = tf.tensor2d([
      [3, 2, 1],
      [0, -1, 4],
    ]);
    expect(klMean(a, a).dataSync()[0]).toBeCloseTo(0, 7);
    // Independent: Σ p (log p − log q) for the first row only (the second is identical).
    const p = [1, 2, 3]
      .map((v) => Math.exp(v))
      .map((e, _i, arr) => e / arr.reduce((s, x) => s + x, 0));
    const q = [...p].reverse();
    const expected = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0) / 2;
    expect(klMean(a, b).dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([a, b]);
  });

  it('with a zero budget, the TRADES loss is exactly the clean cross-entropy', async () => {
    const classifier = newClassifier();
    const batch = trainSet.batch([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const method of ['trades', 'dmat-trades'] as const) {
      const step = await METHODS[method].prepare(
        {
          classifier,
          generator: gen,
          imageAttack: { eps: 0, stepSize: 0.01, steps: 2 },
          latentAttack: { eps: 0, stepSize: 0.01, steps: 2 },
          tradesBeta: 6,
        },
        batch,
        5,
      );
      const loss = step.loss().dataSync()[0];
      step.dispose();
      // Training-mode batch-norm sees [x, x(, x)]: the same statistics as x alone.
      const ce = tf.tidy(() =>
        crossEntropyMean(classifier.logits(batch.x, { training: true }), batch.y),
      );
      expect(loss).toBeCloseTo(ce.dataSync()[0], 5);
      ce.dispose();
    }
    tf.dispose([batch.x, batch.y, batch.w!]);
    classifier.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('hits every reference knot, linear in between, per iteration', () => {
    for (const k of REFERENCE_KNOTS)
      expect(lrAt(REFERENCE_KNOTS, k.epoch)).toBeCloseTo(k.value, 12);
    expect(lrAt(REFERENCE_KNOTS, 0.5)).toBeCloseTo(0.2, 12);
    expect(lrAt(REFERENCE_KNOTS, 3.5)).toBeCloseTo(0.4 + (2.5 / 5) * (0.04 - 0.4), 12);
    expect(lrAt(REFERENCE_KNOTS, 25)).toBe(0.0001);
    // With 50 iterations per epoch, iteration 49 ends epoch 1: the peak.
    expect(lrForStep(REFERENCE_KNOTS, 49, 50)).toBeCloseTo(0.4, 12);
    expect(lrForStep(REFERENCE_KNOTS, 0, 50)).toBeCloseTo(0.4 / 50, 12);
  });

  it('scales the knots to the run length and the peak', () => {
    const k = scaleKnots(REFERENCE_KNOTS, 10, { peak: 0.1 });
    expect(k.map((x) => x.epoch)).toEqual([0, 0.5, 3, 6, 7.5, 10]);
    expect(k.map((x) => x.value)).toEqual([0, 0.1, 0.01, 0.001, 0.0001, 0.000025]);
    for (const knot of k) expect(lrAt(k, knot.epoch)).toBeCloseTo(knot.value, 12);
  });
});

describe('optimiser', () => {
  it('follows d = ∇ + λθ, v ← μv + d, θ ← θ − lr·v over two steps', () => {
    const v = tf.variable(tf.tensor1d([1, -2]), true, 'theta');
    const opt = new SgdMomentum(0.9, 0.1);
    const g1 = tf.tensor1d([0.5, 0.5]);
    const g2 = tf.tensor1d([-1, 2]);
    opt.apply([v], { theta: g1 }, 0.1);
    opt.apply([v], { theta: g2 }, 0.05);
    // By hand.
    let th = [1, -2];
    let vel = [0, 0];
    for (const [g, lr] of [
      [[0.5, 0.5], 0.1],
      [[-1, 2], 0.05],
    ] as const) {
      vel = vel.map((vi, i) => 0.9 * vi + g[i] + 0.1 * th[i]);
      th = th.map((ti, i) => ti - lr * vel[i]);
    }
    const got = Array.from(v.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(th[i], 6));
    expect(opt.getState().velocities[0].data[1]).toBeCloseTo(vel[1], 6);
    opt.dispose();
    tf.dispose([v, g1, g2]);
  });
});

describe('checkpoints and resume', () => {
  const strip = (h: EpochMetrics[]) => h.map(({ seconds: _s, ...rest }) => rest);

  it('round-trip through bytes and refuse a damaged file by name', () => {
    const c: Checkpoint = {
      method: 'dmat',
      seed: 3,
      step: 7,
      epochsEvaluated: 1,
      epochLossSum: 2.5,
      epochSteps: 2,
      weights: [{ name: 'a/kernel', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
      optimizer: {
        iterations: 7,
        velocities: [{ name: 'a/kernel', shape: [2, 3], data: new Float32Array(6).fill(0.5) }],
      },
    };
    expect(decodeCheckpoint(encodeCheckpoint(c))).toEqual(c);
    const bytes = encodeCheckpoint(c);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8), 'run/ckpt.bin')).toThrow(
      'run/ckpt.bin: not a readable DMAT checkpoint (array "a/kernel" runs past the end of the file)',
    );
  });

  it('2 epochs straight = 1 epoch + resume, and = cancelled mid-epoch + resume (DMAT)', async () => {
    const run = async (hooks: Parameters<typeof train>[1], epochs = 2) => {
      const classifier = newClassifier();
      const r = await train({ ...baseConfig('dmat', classifier), epochs }, hooks);
      // Values only: tfjs suffixes the names of a rebuilt model's weights.
      const weights = getModelState(classifier.model).map((w) => Array.from(w.data));
      classifier.dispose();
      return { r, weights };
    };
    const straight = await run({});

    // Stop after epoch 1 by running a 2-epoch config and cancelling at the first step of epoch 2.
    let saved: Uint8Array | undefined;
    const controller = new AbortController();
    const first = await run({
      checkpoint: async (c) => void (saved = encodeCheckpoint(c)),
      onEpoch: () => controller.abort(),
      signal: controller.signal,
    });
    expect(first.r.cancelled).toBe(true);
    const resumed = await run({ resumeFrom: decodeCheckpoint(saved!) });
    expect(strip([...first.r.history, ...resumed.r.history])).toEqual(strip(straight.r.history));
    expect(resumed.weights).toEqual(straight.weights);

    // Cancel in the middle of epoch 1 (after step 3 of 6).
    const mid = new AbortController();
    const partial = await run({
      checkpoint: async (c) => void (saved = encodeCheckpoint(c)),
      onStep: (m) => m.step === 3 && mid.abort(),
      signal: mid.signal,
    });
    expect([partial.r.cancelled, partial.r.steps, partial.r.history.length]).toEqual([true, 3, 0]);
    const finished = await run({ resumeFrom: decodeCheckpoint(saved!) });
    expect(strip(finished.r.history)).toEqual(strip(straight.r.history));
    expect(finished.weights).toEqual(straight.weights);
    expect(straight.r.history[1].pgdAcc).toBeTypeOf('number');
    expect(straight.r.history[1].omPgdAcc).toBeTypeOf('number');
  });
});

describe('the attack view of the classifier', () => {
  it('gives the inference-mode logits and input gradients of the model itself', async () => {
    const classifier = newClassifier();
    // Train a few steps so batch-norm statistics are not the identity.
    await train({ ...baseConfig('normal', classifier), epochs: 1, validation: undefined });
    // Batch-norm statistics follow PyTorch's default momentum (0.9 in tfjs's convention).
    expect(classifier.model.getLayer('bn1').getConfig().momentum).toBe(0.9);
    const view = attackView(classifier);
    const batch = trainSet.batch([0, 1, 2, 3, 4, 5]);
    const loss = (c: typeof view) => (x: tf.Tensor) =>
      crossEntropyMean(c.logits(x as tf.Tensor4D, { training: false }), batch.y);
    const [a, b, ga, gb] = tf.tidy(() => [
      classifier.logits(batch.x),
      view.logits(batch.x),
      tf.grad(loss(classifier))(batch.x),
      tf.grad(loss(view))(batch.x),
    ]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
    const scale = tf.max(tf.abs(ga)).dataSync()[0];
    expect(scale).toBeGreaterThan(0);
    expect(tf.max(tf.abs(tf.sub(ga, gb))).dataSync()[0]).toBeLessThan(1e-4 * Math.max(1, scale));
    tf.dispose([a, b, ga, gb, batch.x, batch.y, batch.w!]);
    classifier.dispose();
  });
});

describe('configuration errors', () => {
  it('name the field and what was expected', async () => {
    const classifier = newClassifier();
    const cfg = {
      ...baseConfig('dmat', classifier),
      generator: undefined,
      batchSize: 500,
      imageAttack: { eps: 0, stepSize: 0.01, steps: 5 },
    };
    expect(configProblems(cfg)).toEqual([
      'batchSize (500) is larger than the training set (96 records)',
      'imageAttack.eps must be > 0 ([0,1] pixel units), got 0',
      "DMAT [PGD-K, OM-PGD-K] needs the dataset's generator",
    ]);
    await expect(train(cfg)).rejects.toThrowError(TrainingConfigError);
    classifier.dispose();
  });
});
