/**
 * One table drives the invariants of every unseen attack: output shape and range, the budget
 * measured on the outputs, lower accuracy than clean on a trained model, strength growing with
 * ε, determinism in the seed and no tensor leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import type { Attack, AttackResult, Budget } from '../../src/main/engine/attacks/types';
import type { Classifier } from '../../src/main/engine/models/types';
import { FogAttack } from '../../src/main/engine/attacks/fog';
import { SnowAttack, brightenForSnow } from '../../src/main/engine/attacks/snow';
import { GaborAttack } from '../../src/main/engine/attacks/gabor';
import { ElasticAttack } from '../../src/main/engine/attacks/elastic';
import { JpegCodec, JpegL1, JpegLinf, jpegLayout } from '../../src/main/engine/attacks/jpeg';
import { L1FrankWolfe } from '../../src/main/engine/attacks/l1-frank-wolfe';
import { createAttack } from '../../src/main/engine/attacks/registry';
import { accuracy, classifierOf, gratings, trainedClassifier } from './attacks-unseen-fixture';

const SHAPE: [number, number, number] = [16, 16, 1];
const N = 32;
const STEPS = 8;

/** Largest violation of the attack's budget, measured on the output images. */
type BudgetCheck = (x: tf.Tensor4D, r: AttackResult, eps: number) => number;

interface Case {
  attack: () => Attack;
  /** A weak and a strong budget for the strength test. */
  weak: number;
  strong: number;
  stepSize?: number;
  violation: BudgetCheck;
}

const fogViolation: BudgetCheck = (x, r, eps) =>
  tf.tidy(() => {
    // x′ = (x + ε·fog)/(x_max + ε) ⇒ fog = (x′(x_max + ε) − x)/ε must lie in [0,1] (unclamped).
    const xMax = tf.max(x, [1, 2], true);
    const fog = tf.div(tf.sub(tf.mul(r.xAdv, tf.add(xMax, eps)), x), eps);
    const unclamped = tf.logicalAnd(tf.greater(r.xAdv, 1e-6), tf.less(r.xAdv, 1 - 1e-6));
    const below = tf.relu(tf.neg(fog));
    const above = tf.relu(tf.sub(fog, 1));
    return tf.max(tf.where(unclamped, tf.add(below, above), tf.zerosLike(fog))).dataSync()[0];
  });

const snowViolation: BudgetCheck = (x, r) =>
  tf.tidy(() => {
    // Snow only adds light to the brightened image: x′ ≥ clamp(brighten(x)).
    const base = tf.clipByValue(brightenForSnow(x), 0, 1);
    return tf.max(tf.relu(tf.sub(base, r.xAdv))).dataSync()[0];
  });

const gaborViolation: BudgetCheck = (x, r, eps) =>
  tf.tidy(() => {
    // Noise in [0,1] scaled by ε: 0 ≤ x′ − x ≤ ε.
    const d = tf.sub(r.xAdv, x);
    return Math.max(
      tf.max(tf.relu(tf.sub(d, eps))).dataSync()[0],
      tf.max(tf.relu(tf.neg(d))).dataSync()[0],
    );
  });

const elasticViolation: BudgetCheck = (x, r, eps) =>
  tf.tidy(() => {
    // Every output pixel interpolates pixels at most ⌈ε⌉ away (the smoothed flow stays in ±ε).
    const k = 2 * Math.ceil(eps) + 1;
    const hi = tf.maxPool(x, k, 1, 'same');
    const lo = tf.neg(tf.maxPool(tf.neg(x) as tf.Tensor4D, k, 1, 'same'));
    const m = Math.ceil(eps);
    const [, h, w] = x.shape;
    const inner = (t: tf.Tensor) => tf.slice(t, [0, m, m, 0], [-1, h - 2 * m, w - 2 * m, -1]);
    return Math.max(
      tf.max(tf.relu(tf.sub(r.xAdv, hi))).dataSync()[0],
      tf.max(tf.relu(tf.sub(inner(lo), inner(r.xAdv)))).dataSync()[0],
    );
  });

/** Re-encode the output: the coefficient change is exactly v where no pixel was clamped. */
function jpegChange(x: tf.Tensor4D, r: AttackResult, reduce: 'max' | 'sum'): number[] {
  const codec = new JpegCodec(jpegLayout(x.shape[1], x.shape[2], x.shape[3]));
  try {
    return tf.tidy(() => {
      const [a] = codec.encode(r.xAdv);
      const [b] = codec.encode(x);
      const d = tf.abs(tf.sub(a, b));
      const per = reduce === 'max' ? tf.max(d, [1, 2]) : tf.sum(d, [1, 2]);
      const clamped = tf.logicalOr(
        tf.any(tf.lessEqual(r.xAdv, 1e-6), [1, 2, 3]),
        tf.any(tf.greaterEqual(r.xAdv, 1 - 1e-6), [1, 2, 3]),
      );
      return Array.from(tf.where(clamped, tf.zerosLike(per), per).dataSync());
    });
  } finally {
    codec.dispose();
  }
}

const CASES: Record<string, Case> = {
  fog: {
    attack: () => new FogAttack(),
    weak: 0.02,
    strong: 0.1,
    stepSize: 0.05,
    violation: fogViolation,
  },
  snow: {
    attack: () => new SnowAttack(),
    weak: 0.01,
    strong: 0.2,
    stepSize: 0.05,
    violation: snowViolation,
  },
  gabor: {
    attack: () => new GaborAttack(),
    weak: 0.03,
    strong: 0.12,
    stepSize: 0.05,
    violation: gaborViolation,
  },
  elastic: {
    attack: () => new ElasticAttack(),
    weak: 0.1,
    strong: 0.6,
    violation: elasticViolation,
  },
  'jpeg-linf': {
    attack: () => new JpegLinf(),
    weak: 0.02,
    strong: 0.1,
    violation: (x, r, eps) => Math.max(0, ...jpegChange(x, r, 'max').map((m) => m - eps * 1.001)),
  },
  'jpeg-l1': {
    attack: () => new JpegL1(),
    weak: 0.5,
    strong: 4,
    violation: (x, r, eps) => Math.max(0, ...jpegChange(x, r, 'sum').map((m) => m - eps * 1.001)),
  },
  'l1-fw': {
    attack: () => new L1FrankWolfe(),
    weak: 0.3,
    strong: 1.5,
    violation: (x, r, eps) =>
      tf.tidy(
        () => tf.max(tf.sub(tf.sum(tf.abs(tf.sub(r.xAdv, x)), [1, 2, 3]), eps)).dataSync()[0],
      ),
  },
};

let clf: Classifier;
let x: tf.Tensor4D;
let y: tf.Tensor1D;
let clean: number;

beforeAll(async () => {
  await initBackend();
  clf = trainedClassifier(SHAPE);
  ({ x, y } = gratings(N, SHAPE[0], SHAPE[1], SHAPE[2], 7));
  clean = accuracy(clf, x, y);
});

function robustAccuracy(r: AttackResult): number {
  return r.success.filter((s) => !s).length / r.success.length;
}

async function run(c: Case, eps: number, seed = 0, batch = { x, y }, classifier = clf) {
  const budget: Budget = { eps, steps: STEPS, stepSize: c.stepSize };
  return c.attack().attack({ classifier }, batch, budget, { seed });
}

describe.each(Object.entries(CASES))('unseen attack %s', (id, c) => {
  it('is registered under its id', () => {
    expect(createAttack(id).id).toBe(id);
  });

  it('returns images of the input shape in [0,1], within budget, weaker at small ε', async () => {
    expect(clean).toBeGreaterThan(0.85);
    const weak = await run(c, c.weak);
    const strong = await run(c, c.strong);
    try {
      for (const [r, eps] of [
        [weak, c.weak],
        [strong, c.strong],
      ] as const) {
        expect(r.xAdv.shape).toEqual(x.shape);
        expect(tf.min(r.xAdv).dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(tf.max(r.xAdv).dataSync()[0]).toBeLessThanOrEqual(1);
        expect(c.violation(x, r, eps)).toBeLessThan(1e-4);
        expect(r.perturbationNorm).toHaveLength(N);
        // Success flags agree with the classifier on the returned images.
        const pred = Array.from(tf.argMax(clf.logits(r.xAdv), 1).dataSync());
        expect(r.predicted).toEqual(pred);
      }
      const accWeak = robustAccuracy(weak);
      const accStrong = robustAccuracy(strong);
      expect(accStrong).toBeLessThan(clean - 0.2);
      expect(accStrong).toBeLessThanOrEqual(accWeak);
    } finally {
      tf.dispose([weak.xAdv, strong.xAdv]);
    }
  });

  it('is deterministic in the seed and leaks no tensors', async () => {
    const small = { x: tf.slice(x, 0, 4) as tf.Tensor4D, y: tf.slice(y, 0, 4) as tf.Tensor1D };
    const a = await run(c, c.strong, 3, small);
    const before = tf.memory().numTensors;
    const b = await run(c, c.strong, 3, small);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(tf.max(tf.abs(tf.sub(a.xAdv, b.xAdv))).dataSync()[0]).toBe(0);
    tf.dispose([a.xAdv, b.xAdv, small.x, small.y]);
  });

  it('works on 3-channel images of a size that is no power of two', async () => {
    const shape: [number, number, number] = [12, 20, 3];
    const colour = gratings(3, ...shape, 5);
    const flat = shape[0] * shape[1] * shape[2];
    const w = tf.variable(tf.randomNormal([flat, 4], 0, 0.1, 'float32', 1));
    const random = classifierOf('random-linear', shape, (f) => tf.matMul(f, w), [w]);
    const r = await c
      .attack()
      .attack({ classifier: random }, colour, { eps: c.strong, steps: 2, stepSize: c.stepSize });
    expect(r.xAdv.shape).toEqual([3, ...shape]);
    expect(tf.min(r.xAdv).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(r.xAdv).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(r.perturbationNorm.every(Number.isFinite)).toBe(true);
    tf.dispose([r.xAdv, colour.x, colour.y, w]);
  });
});
