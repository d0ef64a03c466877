/**
 * Sanity checks: a model with a masked gradient (a rounding layer, or an op whose gradient is
 * zero) raises the masking flag and a normal model raises none; each other check fires on a
 * model or result built to have exactly that problem.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { PgdLinf } from '../../src/main/engine/attacks/pgd';
import { stopGradient } from '../../src/main/engine/attacks/parametric-attack';
import type { AttackBatch } from '../../src/main/engine/attacks/types';
import type { Classifier } from '../../src/main/engine/models/types';
import { runSanityChecks, SANITY_CHECKS } from '../../src/main/engine/audit/sanity';
import type { AttackResultInfo, SweepCurve } from '../../src/shared/api';
import { gratings, trainedClassifier } from './attacks-unseen-fixture';

let clf: Classifier;
let batch: AttackBatch;

beforeAll(async () => {
  await initBackend();
  clf = trainedClassifier([16, 16, 1]);
  batch = gratings(32, 16, 16, 1, 7);
});

/** The same network behind a different input or output layer. */
function wrap(name: string, f: (x: tf.Tensor4D) => tf.Tensor2D): Classifier {
  return { ...clf, name, logits: (x) => tf.tidy(() => f(x)) };
}

function linfResult(key: string, eps: number, accuracy: number, total: number): AttackResultInfo {
  return {
    key,
    preset: 'pgd-10',
    attackId: 'pgd-linf',
    name: key,
    family: 'seen',
    space: 'image',
    budget: { eps, stepSize: eps / 4, steps: 10, unit: 'pixel [0,1]', norm: 'linf' },
    accuracy,
    correct: Math.round(accuracy * total),
    total,
    timeMs: 1,
    imagesPerSecond: 1,
    meanPerturbationNorm: eps,
    maxPerturbationNorm: eps,
  };
}

/** Run PGD for real and describe it as the audit would. */
async function pgdResult(model: Classifier, eps: number): Promise<AttackResultInfo> {
  const r = await new PgdLinf().attack({ classifier: model }, batch, {
    eps,
    steps: 10,
    stepSize: eps / 4,
  });
  r.xAdv.dispose();
  const n = r.success.length;
  return linfResult(`PGD ε=${eps}`, eps, r.success.filter((s) => !s).length / n, n);
}

async function pgdCurve(model: Classifier, eps: number[]): Promise<SweepCurve> {
  const points = [];
  for (const e of eps) points.push({ eps: e, accuracy: (await pgdResult(model, e)).accuracy });
  return { preset: 'pgd-10', name: 'PGD', unit: 'pixel [0,1]', norm: 'linf', points };
}

const checksOf = (flags: { check: string }[]) => flags.map((f) => f.check);

describe('sanity checks', () => {
  it('raise nothing for a normally trained model with working attacks', async () => {
    const attacks = [await pgdResult(clf, 0.01), await pgdResult(clf, 0.03)];
    const curves = [await pgdCurve(clf, [0.005, 0.01, 0.02, 0.04])];
    const before = tf.memory().numTensors;
    const flags = await runSanityChecks({ classifier: clf }, batch, { attacks, curves });
    expect(flags).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flag the masked gradient of a rounding layer, and the noise that beats PGD on it', async () => {
    const rounding = wrap('rounding', (x) =>
      clf.logits(tf.div(tf.round(tf.mul(x, 255)), 255) as tf.Tensor4D),
    );
    const attacks = [await pgdResult(rounding, 0.08)];
    const flags = await runSanityChecks({ classifier: rounding }, batch, { attacks, curves: [] });
    const zero = flags.find((f) => f.check === SANITY_CHECKS.zeroGradients);
    expect(zero?.severity).toBe('error');
    expect(zero?.message).toMatch(/exactly zero for 32 of 32 samples/);
    expect(zero?.details.share).toBe(1);
    // Corner noise fools what the gradient-less PGD (a random start) could not.
    const noise = flags.find((f) => f.check === SANITY_CHECKS.noiseBeatsGradient);
    expect(noise?.attackKey).toBe('PGD ε=0.08');
    expect(Number(noise?.details.noiseAccuracy)).toBeLessThan(attacks[0].accuracy);
  });

  it('flag a custom op whose gradient is zero', async () => {
    const blocked = wrap('blocked', (x) => clf.logits(stopGradient(x) as tf.Tensor4D));
    const flags = await runSanityChecks({ classifier: blocked }, batch, {
      attacks: [],
      curves: [],
    });
    expect(checksOf(flags)).toEqual([SANITY_CHECKS.zeroGradients]);
  });

  it('flag non-finite gradients', async () => {
    const broken = wrap(
      'sqrt-of-negative',
      (x) =>
        tf.add(
          clf.logits(x),
          tf.reshape(tf.sum(tf.sqrt(tf.sub(x, 2)), [1, 2, 3]), [-1, 1]),
        ) as tf.Tensor2D,
    );
    const flags = await runSanityChecks({ classifier: broken }, batch, { attacks: [], curves: [] });
    expect(checksOf(flags)).toEqual([SANITY_CHECKS.nonFiniteGradients]);
  });

  it('flag outputs that change between two identical calls', async () => {
    let call = 0;
    const noisy = wrap(
      'dropout-at-inference',
      (x) =>
        tf.add(
          clf.logits(x),
          tf.randomNormal([x.shape[0], 4], 0, 0.5, 'float32', ++call),
        ) as tf.Tensor2D,
    );
    const flags = await runSanityChecks({ classifier: noisy }, batch, { attacks: [], curves: [] });
    expect(checksOf(flags)).toContain(SANITY_CHECKS.nondeterministic);
  });

  it('flag probabilities given as logits', async () => {
    const probs = wrap('softmax-head', (x) => tf.softmax(clf.logits(x)));
    const flags = await runSanityChecks({ classifier: probs }, batch, { attacks: [], curves: [] });
    const f = flags.find((g) => g.check === SANITY_CHECKS.probabilities);
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/look like probabilities/);
  });

  it('flag robust accuracy that rises with ε beyond sampling noise, and only then', async () => {
    const curve = (acc: number[]): SweepCurve => ({
      preset: 'fog',
      name: 'Fog',
      unit: 'pixel [0,1]',
      norm: 'fog',
      points: acc.map((a, i) => ({ eps: 0.1 * (i + 1), accuracy: a })),
    });
    const total = 1000;
    const attacks = [{ ...linfResult('x', 0.01, 0.5, total), space: 'latent' as const }];
    const rising = await runSanityChecks({ classifier: clf }, batch, {
      attacks,
      curves: [curve([0.6, 0.4, 0.55])],
    });
    const f = rising.find((g) => g.check === SANITY_CHECKS.accuracyNotFalling);
    expect(f?.attackKey).toBe('fog');
    expect(f?.details).toMatchObject({ lowEps: 0.2, highEps: expect.closeTo(0.3, 10) });
    const wobble = await runSanityChecks({ classifier: clf }, batch, {
      attacks,
      curves: [curve([0.6, 0.4, 0.405, 0.2])],
    });
    expect(checksOf(wobble)).toEqual([]);
  });

  it('flag a gradient attack that random noise of the same size beats', async () => {
    // A result claiming PGD left everything correct at a budget where corner noise does not.
    const attacks = [linfResult('PGD', 0.15, 1, 32)];
    const flags = await runSanityChecks({ classifier: clf }, batch, { attacks, curves: [] });
    const f = flags.find((g) => g.check === SANITY_CHECKS.noiseBeatsGradient);
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/^PGD: random noise of the same L∞ size/);
  });
});
