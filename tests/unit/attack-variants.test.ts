/**
 * The attack variants this release adds: restarts for any attack, the two FGSM presets and
 * Gabor's two supports.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { attackWithRestarts } from '../../src/main/engine/attacks/restarts';
import { configureAttack } from '../../src/main/engine/attacks/registry';
import { Fgsm } from '../../src/main/engine/attacks/fgsm';
import { PgdLinf } from '../../src/main/engine/attacks/pgd';
import { ApgdCe } from '../../src/main/engine/attacks/apgd';
import { Mia } from '../../src/main/engine/attacks/mia';
import { GaborAttack, GABOR_DENSITY } from '../../src/main/engine/attacks/gabor';
import { FogAttack } from '../../src/main/engine/attacks/fog';
import { makeRng, type ParametricProblem } from '../../src/main/engine/attacks/parametric-attack';
import type { ResolvedBudget } from '../../src/main/engine/attacks/base';
import type { AttackOptions } from '../../src/main/engine/attacks/types';
import { synthData, trainedMlp, type FunctionClassifier } from './attacks-seen.fixtures';

let model: FunctionClassifier;
let x: tf.Tensor4D;
let y: tf.Tensor1D;

beforeAll(async () => {
  await initBackend();
  model = trainedMlp();
  ({ x, y } = synthData(60, 9));
});

const budget = { eps: 0.15, stepSize: 0.03, steps: 3 };

describe('restarts', () => {
  it('one restart is the plain attack, exactly', async () => {
    const pgd = new PgdLinf();
    const plain = await pgd.attack({ classifier: model }, { x, y }, budget, { seed: 4 });
    const once = await attackWithRestarts(pgd, { classifier: model }, { x, y }, budget, {
      seed: 4,
      restarts: 1,
    });
    expect(once.predicted).toEqual(plain.predicted);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(once.xAdv, plain.xAdv))).dataSync()[0])).toBe(0);
    tf.dispose([plain.xAdv, once.xAdv]);
  });

  it('break every sample one run breaks, more with more runs, inside the budget, no leaks', async () => {
    const pgd = new PgdLinf();
    const before = tf.memory().numTensors;
    const one = await pgd.attack({ classifier: model }, { x, y }, budget, { seed: 4 });
    const many = await attackWithRestarts(pgd, { classifier: model }, { x, y }, budget, {
      seed: 4,
      restarts: 6,
    });
    one.success.forEach((s, i) => s && expect(many.success[i]).toBe(true));
    const broken = (r: typeof one) => r.success.filter(Boolean).length;
    expect(broken(many)).toBeGreaterThan(broken(one));
    // Each returned image is the one that was classified: predictions recompute.
    const again = tf.tidy(() => Array.from(tf.argMax(model.logits(many.xAdv), 1).dataSync()));
    expect(again).toEqual(many.predicted);
    const linf = tf.tidy(() => tf.max(tf.abs(tf.sub(many.xAdv, x))).dataSync()[0]);
    expect(linf).toBeLessThanOrEqual(budget.eps + 1e-6);
    tf.dispose([one.xAdv, many.xAdv]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('are left to attacks that restart themselves (APGD)', async () => {
    const apgd = new ApgdCe();
    const opts = { seed: 2, restarts: 3 };
    const a = await apgd.attack({ classifier: model }, { x, y }, { eps: 0.06, steps: 10 }, opts);
    const b = await attackWithRestarts(
      apgd,
      { classifier: model },
      { x, y },
      { eps: 0.06, steps: 10 },
      opts,
    );
    expect(b.predicted).toEqual(a.predicted);
    tf.dispose([a.xAdv, b.xAdv]);
  });

  it('refuse a count that is not an integer ≥ 1', async () => {
    await expect(
      attackWithRestarts(new PgdLinf(), { classifier: model }, { x, y }, budget, { restarts: 0 }),
    ).rejects.toThrow('option "restarts" must be an integer ≥ 1, got 0');
  });

  it('know which attacks draw at random', () => {
    expect(new PgdLinf().randomised({})).toBe(true);
    expect(new PgdLinf().randomised({ randomStart: false })).toBe(false);
    expect(new Mia().randomised({ randomStart: false })).toBe(false);
    expect(new Fgsm().randomised({})).toBe(false);
    expect(new FogAttack().randomised({ randomStart: false })).toBe(true);
  });
});

describe('FGSM presets', () => {
  it('fgsm is Goodfellow: x + ε·sign ∇ from the clean image', async () => {
    const c = configureAttack('fgsm', [8, 8, 1]);
    expect(c.name).toBe('FGSM');
    expect(c.options.randomStart).toBe(false);
    expect(c.budget).toEqual({ eps: 4 / 255, stepSize: 4 / 255, steps: 1 });
    const res = await c.attack.attack({ classifier: model }, { x, y }, c.budget, c.options);
    // Where the gradient is not vanishingly small its sign is unambiguous: there the step must
    // be exactly ε in that direction (then clipped to the box).
    const [worst, checked] = tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), model.logits(t as tf.Tensor4D)),
      )(x);
      const expected = tf.clipByValue(tf.add(x, tf.mul(tf.sign(g), 4 / 255)), 0, 1);
      const clear = tf.greater(tf.abs(g), tf.mul(tf.max(tf.abs(g)), 1e-2));
      const diff = tf.where(clear, tf.abs(tf.sub(res.xAdv, expected)), tf.zerosLike(g));
      return [tf.max(diff).dataSync()[0], tf.sum(tf.cast(clear, 'float32')).dataSync()[0]];
    });
    expect(checked).toBeGreaterThan(0.5 * x.size);
    expect(worst).toBeLessThan(1e-6);
    res.xAdv.dispose();
  });

  it('fgsm-rs starts at random and steps 1.25ε, and says so', () => {
    const c = configureAttack('fgsm-rs', [8, 8, 1]);
    expect(c.name).toBe('FGSM-RS');
    expect(c.options.randomStart).toBe(true);
    expect(c.budget).toEqual({ eps: 4 / 255, stepSize: 5 / 255, steps: 1 });
    expect(c.description).toContain('random start');
  });
});

/** Exposes the Gabor problem set-up (the variables, their step and projection). */
class GaborProbe extends GaborAttack {
  problem(images: tf.Tensor4D, options: AttackOptions): ParametricProblem {
    const b: ResolvedBudget = { eps: 0.05, stepSize: 0.01, steps: 1 };
    return this.setup(images, b, makeRng(7), options);
  }
}

describe('Gabor supports', () => {
  const images = () => tf.fill([4, 28, 28, 1], 0.5) as tf.Tensor4D;

  function positions(support?: string) {
    const img = images();
    const p = new GaborProbe().problem(img, support ? { support } : {});
    const ones = tf.onesLike(p.params[0]);
    const [start, stepped] = tf.tidy(() => {
      const next = p.project(p.step(p.params, [ones], 0));
      return [Array.from(p.params[0].dataSync()), Array.from(next[0].dataSync())];
    });
    tf.dispose([img, ones, ...p.params, ...(p.constants ?? [])]);
    const drawn = start.map((v) => v !== 0);
    return { drawn, stepped };
  }

  it('start from a sparse draw of density 1/14', () => {
    const { drawn } = positions();
    const share = drawn.filter(Boolean).length / drawn.length;
    expect(Math.abs(share - GABOR_DENSITY)).toBeLessThan(0.015);
  });

  it('complement (default, advex-uar): after a step only the positions outside the draw move', () => {
    const { drawn, stepped } = positions();
    drawn.forEach((d, i) => expect(stepped[i] === 0).toBe(d));
  });

  it('sparse: only the drawn positions move', () => {
    const { drawn, stepped } = positions('sparse');
    drawn.forEach((d, i) => expect(stepped[i] !== 0).toBe(d));
  });

  it('refuse an unknown support with the values it takes', () => {
    const img = images();
    expect(() => new GaborProbe().problem(img, { support: 'dense' })).toThrow(
      'gabor: option "support" must be "complement" or "sparse", got "dense"',
    );
    img.dispose();
  });

  it('complement is the stronger attack on a trained classifier', async () => {
    const { trainedClassifier, gratings } = await import('./attacks-unseen-fixture');
    const clf = trainedClassifier([16, 16, 1]);
    const data = gratings(48, 16, 16, 1, 5);
    const run = async (support: string) => {
      const r = await new GaborAttack().attack(
        { classifier: clf },
        data,
        { eps: 0.25, steps: 20, stepSize: 0.02 },
        { support, seed: 3 },
      );
      r.xAdv.dispose();
      return r.success.filter(Boolean).length;
    };
    expect(await run('complement')).toBeGreaterThanOrEqual(await run('sparse'));
    tf.dispose([data.x, data.y]);
    clf.dispose();
  });
});
