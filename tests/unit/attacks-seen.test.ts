import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  AttackBase,
  AttackInputError,
  ImageAttack,
  type Proposal,
} from '../../src/main/engine/attacks/base';
import { Fgsm } from '../../src/main/engine/attacks/fgsm';
import { PgdL2, PgdLinf } from '../../src/main/engine/attacks/pgd';
import { Mia } from '../../src/main/engine/attacks/mia';
import { OmFgsm } from '../../src/main/engine/attacks/om-fgsm';
import { OmPgd } from '../../src/main/engine/attacks/om-pgd';
import { LINF } from '../../src/main/engine/attacks/norms';
import { configureAttack } from '../../src/main/engine/attacks/registry';
import { PRESETS, referenceL2Eps } from '../../src/main/engine/attacks/presets';
import type {
  AttackBatch,
  AttackContext,
  AttackOptions,
  Budget,
} from '../../src/main/engine/attacks/types';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { smallCnn } from '../../src/main/engine/models/architectures/small-cnn';
import {
  accuracy,
  DIM,
  FunctionClassifier,
  LinearGenerator,
  linearClassifier,
  SHAPE,
  SigmoidGenerator,
  synthData,
  trainedMlp,
  uniforms,
} from './attacks-seen.fixtures';

/** The one table that drives every generic invariant. `budgetAt(ε)` scales the step with ε. */
interface Entry {
  make: () => AttackBase;
  latent: boolean;
  budgetAt: (eps: number) => Budget;
  eps: number;
  options: AttackOptions;
  /** Whether the attack draws random numbers (so the seed matters). */
  random: boolean;
}
const TABLE: Entry[] = [
  {
    make: () => new Fgsm(),
    latent: false,
    budgetAt: (eps) => ({ eps, stepSize: 1.25 * eps }),
    eps: 0.1,
    options: { randomStart: true },
    random: true,
  },
  {
    make: () => new PgdLinf(),
    latent: false,
    budgetAt: (eps) => ({ eps, stepSize: eps / 4, steps: 10 }),
    eps: 0.1,
    options: {},
    random: true,
  },
  {
    make: () => new PgdL2(),
    latent: false,
    budgetAt: (eps) => ({ eps, stepSize: eps / 4, steps: 10 }),
    eps: 0.8,
    options: {},
    random: true,
  },
  {
    make: () => new Mia(),
    latent: false,
    budgetAt: (eps) => ({ eps, stepSize: eps / 10, steps: 10 }),
    eps: 0.1,
    options: { momentum: 1.0 },
    random: false,
  },
  {
    make: () => new OmFgsm(),
    latent: true,
    budgetAt: (eps) => ({ eps }),
    eps: 0.5,
    options: {},
    random: false,
  },
  {
    make: () => new OmPgd(),
    latent: true,
    budgetAt: (eps) => ({ eps, stepSize: eps / 4, steps: 10 }),
    eps: 0.5,
    options: {},
    random: true,
  },
];

let mlp: FunctionClassifier;
let gen: SigmoidGenerator;
let imageBatch: AttackBatch;
let latentBatch: AttackBatch;

function contextFor(e: Entry): { ctx: AttackContext; batch: AttackBatch } {
  return e.latent
    ? { ctx: { classifier: mlp, generator: gen }, batch: latentBatch }
    : { ctx: { classifier: mlp }, batch: imageBatch };
}

/** Per-sample norm computed in plain JS from the output (independent of the attack's own). */
function jsNorms(
  a: Float32Array | Int32Array | Uint8Array,
  b: Float32Array,
  n: number,
  kind: string,
) {
  const d = a.length / n;
  return Array.from({ length: n }, (_, i) => {
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.abs(a[i * d + j] - b[i * d + j]);
      acc = kind === 'l2' ? acc + v * v : Math.max(acc, v);
    }
    return kind === 'l2' ? Math.sqrt(acc) : acc;
  });
}

beforeAll(async () => {
  await initBackend();
  mlp = trainedMlp();
  gen = new SigmoidGenerator();
  imageBatch = synthData(60, 77);
  const w = tf.tensor2d(
    uniforms(60 * 4, 5).map((u) => 2 * u - 1),
    [60, 4],
  );
  const x = gen.generate(w);
  const y = tf.argMax(mlp.logits(x), 1).cast('int32') as tf.Tensor1D;
  latentBatch = { x, y, w };
});

afterAll(() => {
  tf.dispose([imageBatch.x, imageBatch.y, latentBatch.x, latentBatch.y, latentBatch.w!]);
  mlp.dispose();
  gen.dispose();
});

describe.each(TABLE.map((e) => [e.make().id, e] as const))('%s: generic invariants', (_id, e) => {
  it('stays within the budget (measured on every output), in [0,1], and reports honestly', async () => {
    const { ctx, batch } = contextFor(e);
    const attack = e.make();
    const r = await attack.attack(ctx, batch, e.budgetAt(e.eps), e.options);
    const n = batch.x.shape[0];
    const xs = await r.xAdv.data();
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    const measured = e.latent
      ? jsNorms(await r.wAdv!.data(), (await batch.w!.data()) as Float32Array, n, attack.norm)
      : jsNorms(xs, (await batch.x.data()) as Float32Array, n, attack.norm);
    for (const m of measured) expect(m).toBeLessThanOrEqual(e.eps + 1e-6);
    measured.forEach((m, i) => expect(r.perturbationNorm[i]).toBeCloseTo(m, 5));
    const predicted = Array.from(await tf.argMax(mlp.logits(r.xAdv), 1).data());
    expect(r.predicted).toEqual(predicted);
    const labels = Array.from(await batch.y.data());
    expect(r.success).toEqual(predicted.map((p, i) => p !== labels[i]));
    if (e.latent) {
      // The adversarial image is exactly on the manifold: g(w + λ).
      const regenerated = await gen.generate(r.wAdv!).data();
      regenerated.forEach((v, i) => expect(Math.abs(v - xs[i])).toBeLessThan(1e-6));
    }
    tf.dispose([r.xAdv, r.wAdv!]);
  });

  it('lowers accuracy and never raises it as ε grows (up to one sample)', async () => {
    const { ctx, batch } = contextFor(e);
    const accs: number[] = [];
    for (const eps of [0, e.eps / 4, e.eps / 2, e.eps]) {
      const budget =
        eps === 0 ? { ...e.budgetAt(1), eps: 0, stepSize: undefined } : e.budgetAt(eps);
      const r = await e.make().attack(ctx, batch, budget, { ...e.options, seed: 1 });
      accs.push(accuracy(r.success));
      tf.dispose([r.xAdv, r.wAdv!]);
    }
    const clean = await tf.argMax(mlp.logits(batch.x), 1).data();
    const labels = await batch.y.data();
    expect(accs[0]).toBeCloseTo(clean.filter((p, i) => p === labels[i]).length / clean.length, 9);
    for (let i = 1; i < accs.length; i++) {
      expect(accs[i]).toBeLessThanOrEqual(accs[i - 1] + 1 / 60 + 1e-9);
    }
    expect(accs[3]).toBeLessThan(accs[0]);
  });

  it(
    'is reproducible: same seed, same output' + (e.random ? '; another seed differs' : ''),
    async () => {
      const { ctx, batch } = contextFor(e);
      const run = async (seed: number) => {
        const r = await e.make().attack(ctx, batch, e.budgetAt(e.eps), { ...e.options, seed });
        const v = await r.xAdv.data();
        tf.dispose([r.xAdv, r.wAdv!]);
        return Array.from(v);
      };
      const a = await run(3);
      expect(await run(3)).toEqual(a);
      if (e.random) expect(await run(4)).not.toEqual(a);
    },
  );

  it('leaks no tensors over repeated calls', async () => {
    const { ctx, batch } = contextFor(e);
    const attack = e.make();
    const once = async () => {
      const r = await attack.attack(ctx, batch, e.budgetAt(e.eps), e.options);
      tf.dispose([r.xAdv, r.wAdv!]);
    };
    await once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await once();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('closed forms on linear models', () => {
  // Binary linear classifier: CE grows as the margin (w_y − w_o)·x falls, so the optimal
  // L∞ perturbation is −ε·sign(w_y − w_o) and the optimal L2 one is −ε·(w_y − w_o)/‖w_y − w_o‖.
  const weights = uniforms(DIM * 2, 21).map((u) => 2 * u - 1);
  const n = 8;
  let model: FunctionClassifier;
  let batch: AttackBatch;
  let diff: number[][]; // per sample: w_y − w_o

  beforeAll(() => {
    model = linearClassifier(weights, 2);
    const x = tf.tensor4d(
      uniforms(n * DIM, 31).map((u) => 0.35 + 0.3 * u),
      [n, ...SHAPE],
    );
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    batch = { x, y: tf.tensor1d(labels, 'int32') };
    diff = labels.map((yl) =>
      Array.from({ length: DIM }, (_, j) => weights[j * 2 + yl] - weights[j * 2 + (1 - yl)]),
    );
  });
  afterAll(() => {
    model.dispose();
    tf.dispose([batch.x, batch.y]);
  });

  async function deltas(xAdv: tf.Tensor): Promise<number[][]> {
    const a = await xAdv.data();
    const x = await batch.x.data();
    return Array.from({ length: n }, (_, i) =>
      Array.from({ length: DIM }, (_, j) => a[i * DIM + j] - x[i * DIM + j]),
    );
  }
  const linfOptimum = (eps: number) => diff.map((d) => d.map((v) => -eps * Math.sign(v)));
  const l2Optimum = (eps: number) =>
    diff.map((d) => {
      const norm = Math.hypot(...d);
      return d.map((v) => (-eps * v) / norm);
    });
  function expectClose(got: number[][], want: number[][], tol: number) {
    got.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(v - want[i][j])).toBeLessThan(tol)),
    );
  }

  it.each([
    ['FGSM, no random start', () => new Fgsm(), { eps: 0.05 }, {}],
    ['FGSM, random start', () => new Fgsm(), { eps: 0.05, stepSize: 0.1 }, { randomStart: true }],
    ['PGD-L∞, random start', () => new PgdLinf(), { eps: 0.05, stepSize: 0.0125, steps: 12 }, {}],
    ['MIA', () => new Mia(), { eps: 0.05, stepSize: 0.01, steps: 10 }, {}],
  ] as const)('%s reaches −ε·sign(w_y − w_o)', async (_name, make, budget, options) => {
    const r = await make().attack({ classifier: model }, batch, budget, options);
    expectClose(await deltas(r.xAdv), linfOptimum(0.05), 1e-6);
    r.xAdv.dispose();
  });

  it('PGD-L2 reaches −ε·(w_y − w_o)/‖w_y − w_o‖ (exactly from zero, closely from a random start)', async () => {
    const exact = await new PgdL2().attack(
      { classifier: model },
      batch,
      {
        eps: 0.3,
        stepSize: 0.06,
        steps: 10,
      },
      { randomStart: false },
    );
    expectClose(await deltas(exact.xAdv), l2Optimum(0.3), 1e-5);
    const random = await new PgdL2().attack({ classifier: model }, batch, {
      eps: 0.3,
      stepSize: 0.03,
      steps: 100,
    });
    expectClose(await deltas(random.xAdv), l2Optimum(0.3), 1e-3);
    tf.dispose([exact.xAdv, random.xAdv]);
  });

  it.each([
    ['OM-FGSM', () => new OmFgsm(), { eps: 0.2 }],
    ['OM-PGD, random start', () => new OmPgd(), { eps: 0.2, stepSize: 0.05, steps: 10 }],
  ] as const)('%s reaches −η·sign(A·(w_y − w_o)) in latent space', async (_name, make, budget) => {
    const g = new LinearGenerator();
    const w = tf.tensor2d(
      uniforms(n * 4, 41).map((u) => u - 0.5),
      [n, 4],
    );
    const x = g.generate(w);
    const r = await make().attack(
      { classifier: model, generator: g },
      { x, y: batch.y, w },
      budget,
    );
    const A = await g.A.array();
    const lambda = (await tf.sub(r.wAdv!, w).array()) as number[][];
    lambda.forEach((row, i) =>
      row.forEach((v, k) => {
        const slope = A[k].reduce((s, a, j) => s + a * diff[i][j], 0);
        expect(Math.abs(v - -0.2 * Math.sign(slope))).toBeLessThan(1e-6);
      }),
    );
    tf.dispose([w, x, r.xAdv, r.wAdv!]);
    g.dispose();
  });
});

describe('input gradients against finite differences', () => {
  /** Per-sample cross-entropy, computed here independently of the engine's loss. */
  function perSampleCe(
    model: { logits: (x: tf.Tensor4D) => tf.Tensor2D },
    x: tf.Tensor4D,
    y: number[],
  ) {
    return tf.tidy(() => {
      const ls = tf.logSoftmax(model.logits(x)).arraySync() as number[][];
      return ls.map((row, i) => -row[y[i % y.length]]);
    });
  }

  /** Central differences of each sample's CE for each coordinate, in one batched forward pass. */
  function fdGradient(
    model: { logits: (x: tf.Tensor4D) => tf.Tensor2D },
    x: Float32Array,
    y: number[],
    shape: number[],
    h: number,
  ): number[][] {
    const d = shape.reduce((a, b) => a * b, 1);
    return y.map((_, i) => {
      const probes = new Float32Array(2 * d * d);
      for (let j = 0; j < d; j++) {
        for (const [s, sign] of [
          [0, 1],
          [1, -1],
        ]) {
          const base = (2 * j + s) * d;
          probes.set(x.subarray(i * d, (i + 1) * d), base);
          probes[base + j] += sign * h;
        }
      }
      const t = tf.tensor4d(probes, [2 * d, ...shape] as [number, number, number, number]);
      const ce = perSampleCe(model, t, [y[i]]);
      t.dispose();
      return Array.from({ length: d }, (_, j) => (ce[2 * j] - ce[2 * j + 1]) / (2 * h));
    });
  }

  async function fgsmMatchesFd(classifier: LayersClassifier | FunctionClassifier, shape: number[]) {
    const eps = 1e-3;
    const n = 3;
    const d = shape.reduce((a, b) => a * b, 1);
    const xv = uniforms(n * d, 61).map((u) => 0.1 + 0.8 * u);
    const x = tf.tensor4d(xv, [n, ...shape] as [number, number, number, number]);
    const yv = [0, 1, 2];
    const y = tf.tensor1d(yv, 'int32');
    const r = await new Fgsm().attack({ classifier }, { x, y }, { eps });
    const adv = await r.xAdv.data();
    const fd = fdGradient(classifier, xv, yv, shape, 1e-2);
    let agree = 0;
    let counted = 0;
    fd.forEach((row, i) =>
      row.forEach((gj, j) => {
        if (Math.abs(gj) < 1e-3) return;
        counted++;
        if (Math.sign(adv[i * d + j] - xv[i * d + j]) === Math.sign(gj)) agree++;
      }),
    );
    tf.dispose([x, y, r.xAdv]);
    return { agree, counted };
  }

  it('FGSM steps along sign(∂CE/∂x) measured by central differences (smooth MLP)', async () => {
    const { agree, counted } = await fgsmMatchesFd(mlp, SHAPE);
    expect(counted).toBeGreaterThan(150);
    expect(agree).toBe(counted);
  });

  it('and through a batch-norm CNN on this backend (frozen statistics)', async () => {
    const cnn = new LayersClassifier(smallCnn([8, 8, 1], 3, { width: 4, hidden: 16 }), {
      name: 'cnn',
      inputShape: [8, 8, 1],
      numClasses: 3,
    });
    const { agree, counted } = await fgsmMatchesFd(cnn, [8, 8, 1]);
    cnn.dispose();
    expect(counted).toBeGreaterThan(50);
    // ReLU and max-pool kinks can flip a handful of finite differences.
    expect(agree / counted).toBeGreaterThan(0.97);
  });
});

describe('attack strength on a trained model', () => {
  it('PGD-50 ≤ PGD-5 ≤ FGSM ≤ clean accuracy (up to one sample)', async () => {
    const eps = 0.1;
    const ctx = { classifier: mlp };
    const run = async (a: AttackBase, b: Budget, o: AttackOptions) => {
      const r = await a.attack(ctx, imageBatch, b, o);
      r.xAdv.dispose();
      return accuracy(r.success);
    };
    const clean = await run(new PgdLinf(), { eps: 0 }, {});
    const fgsm = await run(new Fgsm(), { eps, stepSize: 1.25 * eps }, { randomStart: true });
    const pgd5 = await run(new PgdLinf(), { eps, stepSize: eps / 4, steps: 5 }, {});
    const pgd50 = await run(new PgdLinf(), { eps, stepSize: eps / 4, steps: 50 }, {});
    const slack = 1 / 60 + 1e-9;
    expect(clean).toBeGreaterThan(0.9);
    expect(fgsm).toBeLessThan(clean);
    expect(pgd5).toBeLessThanOrEqual(fgsm + slack);
    expect(pgd50).toBeLessThanOrEqual(pgd5 + slack);
  });
});

describe('the base class enforces the threat model itself', () => {
  /** A broken attack that proposes far too large a perturbation, outside [0,1]. */
  class Overshoot extends ImageAttack {
    readonly id = 'overshoot';
    readonly geometry = LINF;
    protected async run(_c: AttackContext, b: AttackBatch): Promise<Proposal> {
      return {
        xAdv: tf.tidy(() => tf.add(b.x, tf.mul(3, tf.sign(tf.sub(0.5, b.x))))) as tf.Tensor4D,
      };
    }
  }

  it('clips δ to ε and the image to [0,1] whatever run() proposes', async () => {
    const r = await new Overshoot().attack({ classifier: mlp }, imageBatch, { eps: 0.05 });
    const measured = jsNorms(
      await r.xAdv.data(),
      (await imageBatch.x.data()) as Float32Array,
      60,
      'linf',
    );
    for (const m of measured) expect(m).toBeLessThanOrEqual(0.05 + 1e-6);
    expect(r.perturbationNorm.every((v) => v <= 0.05 + 1e-6)).toBe(true);
    r.xAdv.dispose();
  });

  it('refuses bad inputs with messages that say what was expected', async () => {
    const bad = tf.fill([2, ...SHAPE], 255) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1], 'int32');
    await expect(
      new PgdLinf().attack({ classifier: mlp }, { x: bad, y }, { eps: 0.1 }),
    ).rejects.toThrow('pgd-linf: images must be in [0,1] pixel units, found values in [255, 255]');
    await expect(
      new OmPgd().attack({ classifier: mlp }, imageBatch, { eps: 0.1 }),
    ).rejects.toThrowError(AttackInputError);
    await expect(new OmPgd().attack({ classifier: mlp }, imageBatch, { eps: 0.1 })).rejects.toThrow(
      'om-pgd: a latent attack needs the generator g (the model is f ∘ g)',
    );
    await expect(
      new PgdLinf().attack({ classifier: mlp }, imageBatch, { eps: -1 }),
    ).rejects.toThrow('pgd-linf: budget eps must be a finite number ≥ 0, got -1');
    await expect(
      new Fgsm().attack({ classifier: mlp }, imageBatch, { eps: 0.1, steps: 5 }),
    ).rejects.toThrow('fgsm: FGSM takes exactly one step, got 5');
    tf.dispose([bad, y]);
  });
});

describe('presets and registry', () => {
  it('carry the reference settings with units in their descriptions', () => {
    const describe = (id: string) => configureAttack(id, [28, 28, 1]).description;
    expect(describe('pgd-50')).toBe(
      'ε = 4/255 ≈ 0.0157 [0,1] px, α = 1/255 ≈ 0.00392, 50 steps, random start',
    );
    expect(describe('fgsm')).toBe('ε = 4/255 ≈ 0.0157 [0,1] px, α = 4/255 ≈ 0.0157, 1 step');
    expect(describe('fgsm-rs')).toBe(
      'ε = 4/255 ≈ 0.0157 [0,1] px, α = 5/255 ≈ 0.0196, 1 step, random start',
    );
    expect(describe('mia-50')).toBe(
      'ε = 4/255 ≈ 0.0157 [0,1] px, α = 1/255 ≈ 0.00392, 50 steps, μ = 1',
    );
    expect(describe('om-pgd-5')).toBe('η = 0.02 latent, α = 0.005, 5 steps, random start');
    expect(configureAttack('pgd-5', [28, 28, 1]).budget.steps).toBe(5);
    expect(PRESETS.map((p) => p.id)).toEqual([
      'fgsm',
      'fgsm-rs',
      'pgd-5',
      'pgd-50',
      'mia-50',
      'pgd-l2-50',
      'om-fgsm',
      'om-pgd-5',
      'om-pgd-50',
    ]);
  });

  it('scales the L2 reference budget with √(pixels): 600/255 at 256×256×3', () => {
    expect(referenceL2Eps([256, 256, 3])).toBeCloseTo(600 / 255, 12);
    expect(referenceL2Eps([28, 28, 1])).toBeCloseTo((600 / 255) * Math.sqrt(784 / 196608), 12);
  });

  it('builds attacks from JSON specs and names unknown ones', () => {
    const c = configureAttack({ attack: 'pgd-l2', name: 'L2 big', eps: 1, steps: 20 }, SHAPE);
    expect([c.attack.id, c.name, c.attack.norm, c.budget.steps]).toEqual([
      'pgd-l2',
      'L2 big',
      'l2',
      20,
    ]);
    expect(() => configureAttack('pgd-7', SHAPE)).toThrow(
      /unknown attack preset "pgd-7"; known: fgsm, fgsm-rs, pgd-5/,
    );
    expect(() => configureAttack({ attack: 'nope', eps: 1 }, SHAPE)).toThrow(
      /unknown attack "nope"/,
    );
  });
});
