/**
 * APGD-CE / APGD-DLR: the AutoAttack checkpoint schedule, the DLR loss against its closed form and
 * finite differences, a loss at least as high as PGD's with the same number of steps, the L∞
 * budget, restarts that attack only still-robust samples, and no tensor leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  ApgdCe,
  ApgdDlr,
  apgdCheckpoints,
  apgdRun,
  dlrLossPerSample,
} from '../../src/main/engine/attacks/apgd';
import { PgdLinf } from '../../src/main/engine/attacks/pgd';
import { crossEntropyPerSample, makeRng } from '../../src/main/engine/attacks/parametric-attack';
import type { Classifier } from '../../src/main/engine/models/types';
import { accuracy, gratings, trainedClassifier } from './attacks-unseen-fixture';

let clf: Classifier;
let x: tf.Tensor4D;
let y: tf.Tensor1D;

beforeAll(async () => {
  await initBackend();
  clf = trainedClassifier([16, 16, 1]);
  ({ x, y } = gratings(32, 16, 16, 1, 7));
});

describe('APGD schedule', () => {
  it('puts the checkpoints where AutoAttack does', () => {
    // p = 0.22, then intervals shrinking by 0.03 down to 0.06 of N.
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(apgdCheckpoints(10)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('DLR loss', () => {
  it('matches the closed form and ignores the logits scale', () => {
    const z = tf.tensor2d([
      [3, 1, 2, 0],
      [3, 1, 2, 0],
    ]);
    const labels = tf.tensor1d([0, 1], 'int32');
    // y = 0 is the top class: −(3 − 2)/(3 − 1); y = 1: −(1 − 3)/(3 − 1).
    expect(Array.from(dlrLossPerSample(z, labels).dataSync())).toEqual([-0.5, 1]);
    const scaled = dlrLossPerSample(tf.mul(z, 10) as tf.Tensor2D, labels).dataSync();
    expect(scaled[0]).toBeCloseTo(-0.5, 6);
    expect(scaled[1]).toBeCloseTo(1, 6);
    expect(() => dlrLossPerSample(tf.tensor2d([[1, 2]]), tf.tensor1d([0], 'int32'))).toThrow(
      /at least 3 classes/,
    );
  });

  it('has the gradient of finite differences', () => {
    const z0 = [0.3, 2.1, -0.7, 1.2, 0.9];
    const labels = tf.tensor1d([3], 'int32');
    const f = (z: tf.Tensor) => tf.sum(dlrLossPerSample(z as tf.Tensor2D, labels));
    const g = tf
      .grad(f)(tf.tensor2d([z0]))
      .dataSync();
    const h = 1e-3;
    z0.forEach((_, k) => {
      const p = z0.slice();
      const m = z0.slice();
      p[k] += h;
      m[k] -= h;
      const fd = (f(tf.tensor2d([p])).dataSync()[0] - f(tf.tensor2d([m])).dataSync()[0]) / (2 * h);
      expect(g[k]).toBeCloseTo(fd, 2);
    });
  });
});

describe('APGD against PGD', () => {
  it('reaches a cross-entropy at least as high as PGD with the same number of steps', async () => {
    let apgdTotal = 0;
    let pgdTotal = 0;
    for (const steps of [10, 20]) {
      for (const eps of [0.01, 0.03, 0.1]) {
        const out = apgdRun(
          clf,
          crossEntropyPerSample,
          x,
          y,
          { eps, steps, stepSize: 2 * eps },
          makeRng(0),
        );
        const apgdLoss = out.bestLoss.reduce((a, b) => a + b, 0) / out.bestLoss.length;
        // The paper's PGD: α = ε/4 (1/255 for ε = 4/255), random start.
        const pgd = await new PgdLinf().attack(
          { classifier: clf },
          { x, y },
          { eps, steps, stepSize: eps / 4 },
        );
        const pgdLoss = tf.tidy(
          () => tf.mean(crossEntropyPerSample(clf.logits(pgd.xAdv), y)).dataSync()[0],
        );
        tf.dispose([out.xAdv, pgd.xAdv]);
        // Each setting within 1 %, and never behind over the grid.
        expect(apgdLoss).toBeGreaterThanOrEqual(0.99 * pgdLoss);
        apgdTotal += apgdLoss;
        pgdTotal += pgdLoss;
      }
    }
    expect(apgdTotal).toBeGreaterThanOrEqual(pgdTotal);
  });
});

describe.each([
  ['APGD-CE', () => new ApgdCe()],
  ['APGD-DLR', () => new ApgdDlr()],
])('%s', (_name, make) => {
  it('stays in the L∞ ball and the box, lowers accuracy and leaks nothing', async () => {
    const eps = 0.02;
    const clean = accuracy(clf, x, y);
    const first = await make().attack({ classifier: clf }, { x, y }, { eps, steps: 10 });
    first.xAdv.dispose();
    const before = tf.memory().numTensors;
    const r = await make().attack({ classifier: clf }, { x, y }, { eps, steps: 10 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const linf = tf.max(tf.abs(tf.sub(r.xAdv, x))).dataSync()[0];
    expect(linf).toBeLessThanOrEqual(eps + 1e-6);
    expect(Math.max(...r.perturbationNorm)).toBeLessThanOrEqual(eps + 1e-6);
    expect(tf.min(r.xAdv).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(r.xAdv).dataSync()[0]).toBeLessThanOrEqual(1);
    const robust = r.success.filter((s) => !s).length / r.success.length;
    expect(robust).toBeLessThan(clean - 0.3);
    r.xAdv.dispose();
  });

  it('restarts only on samples that are still robust, and leaves clean errors alone', async () => {
    const sizes: number[] = [];
    const spy: Classifier = {
      ...clf,
      logits: (t, o) => {
        sizes.push(t.shape[0]);
        return clf.logits(t, o);
      },
    };
    const eps = 0.006;
    const cleanPred = Array.from(tf.argMax(clf.logits(x), 1).dataSync());
    const labels = Array.from(y.dataSync());
    const r = await make().attack(
      { classifier: spy },
      { x, y },
      { eps, steps: 5 },
      { restarts: 2 },
    );
    const cleanCorrect = cleanPred.filter((p, i) => p === labels[i]).length;
    // Calls: 1 clean pass, then (1 + 5) per restart, then the base class's final prediction.
    const firstRun = sizes.slice(1, 7);
    const secondRun = sizes.slice(7, 13);
    expect(firstRun.every((s) => s === cleanCorrect)).toBe(true);
    const stillRobustAfterFirst = secondRun[0];
    expect(stillRobustAfterFirst).toBeLessThan(cleanCorrect);
    expect(stillRobustAfterFirst).toBeGreaterThan(0);
    expect(secondRun.every((s) => s === stillRobustAfterFirst)).toBe(true);
    const diff = tf.max(tf.abs(tf.sub(r.xAdv, x)), [1, 2, 3]).dataSync();
    cleanPred.forEach((p, i) => {
      if (p !== labels[i]) expect(diff[i]).toBe(0);
    });
    r.xAdv.dispose();
  });
});
