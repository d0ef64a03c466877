/**
 * Data-parallel training: the collective between threads, batch statistics as one op, and a
 * replica group whose steps equal one process's steps on the whole batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { initBackend, useBackend } from '../../src/main/engine/runtime/backend';
import { Collective, createCollective } from '../../src/main/engine/parallel/collective';
import { startTypeScriptThread } from '../../src/main/engine/parallel/worker-launch';
import {
  defaultReplicas,
  ReplicaGroup,
  replicaSeed,
  shardSizes,
} from '../../src/main/engine/parallel/replica-group';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { LayersGenerator } from '../../src/main/engine/models/generator';
import { smallCnn } from '../../src/main/engine/models/architectures/small-cnn';
import { methodSpec } from '../../src/main/engine/training/methods/index';
import { methodContext, type MethodSettings } from '../../src/main/engine/training/method-context';
import { SgdMomentum } from '../../src/main/engine/training/optimizer';
import { train, trainingStep, type TrainConfig } from '../../src/main/engine/training/train';
import { TrainingSet } from '../../src/main/engine/training/data';
import { getModelState, seedModelWeights } from '../../src/main/engine/training/weights';
import type { TrainingMethod } from '../../src/shared/api';

const collectiveWorker = fileURLToPath(new URL('../helpers/collective-worker.ts', import.meta.url));

function message<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

describe('collective between threads', () => {
  it('all-reduces in chunks and every rank gets the same sums', async () => {
    const size = 3;
    // Capacity 5 forces chunks for 12 values, and alternating halves across 4 rounds.
    const init = createCollective(size, 5);
    const workers = [1, 2].map((rank) =>
      startTypeScriptThread(collectiveWorker, { init, rank, rounds: 4, length: 12, mode: 'sum' }),
    );
    const replies = workers.map((w) => message<{ ok: boolean; results: number[][] }>(w));
    const c = new Collective(init, 0, 20_000);
    const mine: number[][] = [];
    for (let k = 0; k < 4; k++) {
      const local = Array.from({ length: 12 }, (_, i) => i + 1 + k);
      mine.push(Array.from(c.allReduceSum(local)));
    }
    const theirs = await Promise.all(replies);
    await Promise.all(workers.map((w) => w.terminate()));
    for (let k = 0; k < 4; k++) {
      // Σ_r (r+1)(i+1) + k = 6(i+1) + 3k.
      const want = Array.from({ length: 12 }, (_, i) => 6 * (i + 1) + 3 * k);
      expect(mine[k]).toEqual(want);
      for (const t of theirs) expect(t.results[k]).toEqual(want);
    }
  });

  it('wakes a waiting replica with an error when another aborts', async () => {
    const init = createCollective(2, 4);
    const w = startTypeScriptThread(collectiveWorker, {
      init,
      rank: 1,
      rounds: 0,
      length: 0,
      mode: 'wait',
    });
    const reply = message<{ ok: boolean; name: string }>(w);
    await new Promise((r) => setTimeout(r, 300));
    new Collective(init, 0).abort();
    const got = await reply;
    await w.terminate();
    expect(got.ok).toBe(false);
    expect(got.name).toBe('CollectiveAborted');
  });
});

describe('batch statistics as one op', () => {
  const cases = [
    { name: 'conv activations, γ and β', shape: [6, 4, 4, 3], config: {} },
    {
      name: 'conv activations, no γ or β',
      shape: [6, 4, 4, 3],
      config: { scale: false, center: false },
    },
    { name: 'dense activations', shape: [10, 5], config: {} },
  ];
  for (const c of cases) {
    it(`gives batch-norm tfjs's own gradients (${c.name}, cpu backend reference)`, async () => {
      await useBackend('cpu');
      const core = (await import('node:module')).createRequire(import.meta.url)(
        '@tensorflow/tfjs-core',
      ) as { moments: typeof tf.moments };
      const ours = core.moments;
      const x = tf.randomNormal(c.shape, 1.5, 2, 'float32', 3);
      // Weights over the whole batch: weights constant along it would make dx vanish.
      const w = tf.randomNormal(c.shape, 0, 1, 'float32', 4);
      const bn = tf.layers.batchNormalization();
      bn.build([null, ...c.shape.slice(1)]);
      const out = (xx: tf.Tensor) =>
        tf.sum(tf.mul(bn.apply(xx, { training: true }) as tf.Tensor, w));
      const grads = () => {
        const dx = tf.grad(out)(x);
        const vars = bn.trainableWeights.map((v) => v.read() as tf.Variable);
        const { grads: g } = tf.variableGrads(() => out(x) as tf.Scalar, vars);
        return [dx, ...vars.map((v) => g[v.name])];
      };
      const withOurs = grads().map((t) => t.dataSync().slice());
      // tfjs's own moments (the ESM binding is a snapshot of the original); without our
      // statistics, batch-norm falls back to tfjs's own op too.
      core.moments = tf.moments;
      const withStock = grads().map((t) => t.dataSync().slice());
      core.moments = ours;
      expect(ours).not.toBe(tf.moments);
      expect(withOurs.length).toBe(3);
      withOurs.forEach((a, i) => expect(maxRelDiff(a, withStock[i])).toBeLessThan(1e-5));
      await initBackend();
      await useBackend('wasm');
    });
  }

  it('normalises without γ and β like tfjs (the op on its own, cpu backend reference)', async () => {
    await useBackend('cpu');
    const core = (await import('node:module')).createRequire(import.meta.url)(
      '@tensorflow/tfjs-core',
    ) as { moments: typeof tf.moments; batchNorm4d: typeof tf.batchNorm4d };
    const x = tf.randomNormal([5, 3, 3, 2], -1, 3, 'float32', 8) as tf.Tensor4D;
    const w = tf.randomNormal([5, 3, 3, 2], 0, 1, 'float32', 9);
    const via = (moments: typeof tf.moments) =>
      tf
        .grad((xx: tf.Tensor) => {
          const m = moments(xx, [0, 1, 2]);
          const y = core.batchNorm4d(
            xx as tf.Tensor4D,
            m.mean as tf.Tensor1D,
            m.variance as tf.Tensor1D,
          );
          return tf.sum(tf.mul(y, w));
        })(x)
        .dataSync();
    const ours = via(core.moments);
    // tfjs's own batch-norm gradient fails without γ (cpu Identity of undefined): the reference is
    // tfjs's op with γ = 1 and β = 0, the same function.
    const stock = tf
      .grad((xx: tf.Tensor) => {
        const m = tf.moments(xx, [0, 1, 2]);
        const y = core.batchNorm4d(
          xx as tf.Tensor4D,
          m.mean as tf.Tensor1D,
          m.variance as tf.Tensor1D,
          tf.zeros([2]) as tf.Tensor1D,
          tf.ones([2]) as tf.Tensor1D,
        );
        return tf.sum(tf.mul(y, w));
      })(x)
      .dataSync();
    expect(maxRelDiff(ours, stock)).toBeLessThan(1e-5);
    await useBackend('wasm');
  });
});

const SHAPE: [number, number, number] = [8, 8, 1];

function classifier(seed: number): LayersClassifier {
  const model = smallCnn(SHAPE, 3, { width: 4, hidden: 16 });
  seedModelWeights(model, seed);
  return new LayersClassifier(model, { name: 'cnn', inputShape: SHAPE, numClasses: 3 });
}

function generator(): LayersGenerator {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 64, activation: 'sigmoid', name: 'g_dense' }),
      tf.layers.reshape({ targetShape: SHAPE }),
    ],
  });
  seedModelWeights(model, 11);
  return new LayersGenerator(model, { name: 'g', latentShape: [4], imageShape: SHAPE });
}

function batch(n: number, seed: number) {
  return tf.tidy(() => {
    const w = tf.randomUniform([n, 4], -1, 1, 'float32', seed);
    return {
      w,
      x: tf.randomUniform([n, ...SHAPE], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
      y: tf.cast(
        tf.floor(tf.randomUniform([n], 0, 3, 'float32', seed + 2)),
        'int32',
      ) as tf.Tensor1D,
    };
  });
}

const settings: MethodSettings = {
  imageAttack: { eps: 0.05, stepSize: 0.02, steps: 2 },
  latentAttack: { eps: 0.1, stepSize: 0.05, steps: 2 },
  tradesBeta: 6,
  frozenAttacks: true,
};

async function runSteps(method: TrainingMethod, replicas: number, steps: number) {
  const c = classifier(5);
  const g = generator();
  const vars = c.trainableVariables();
  const optimizer = new SgdMomentum(0.9, 1e-4);
  const ctx = methodContext(c, g, settings);
  const spec = methodSpec(method);
  const group =
    replicas > 1
      ? await ReplicaGroup.start({
          size: replicas,
          method,
          classifier: c,
          generator: g,
          settings,
          optimizer,
          vars,
        })
      : undefined;
  const losses: number[] = [];
  const tensorsAfter: number[] = [];
  try {
    for (let k = 0; k < steps; k++) {
      const b = batch(24, 100 + k);
      const run = group ? group.step.bind(group) : trainingStep;
      losses.push(await run(spec, ctx, b, { vars, optimizer, lr: 0.05, seed: 7 + k }));
      tf.dispose([b.x, b.y, b.w]);
      tensorsAfter.push(tf.memory().numTensors);
    }
    return { losses, tensorsAfter, state: getModelState(c.model) };
  } finally {
    await group?.close();
    optimizer.dispose();
    c.dispose();
    g.dispose();
  }
}

describe('replica group', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('splits batches evenly and keeps rank 0 on the step seed', () => {
    expect(shardSizes(128, 2)).toEqual([64, 64]);
    expect(shardSizes(10, 3)).toEqual([4, 3, 3]);
    expect(replicaSeed(42, 0)).toBe(42);
    expect(replicaSeed(42, 1)).not.toBe(42);
    expect(defaultReplicas('tensorflow', 128)).toBe(1);
    expect(defaultReplicas('wasm', 2)).toBe(1);
  });

  it('three replicas train exactly like one process on the whole batch (Normal)', async () => {
    const one = await runSteps('normal', 1, 3);
    const three = await runSteps('normal', 3, 3);
    three.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i])).toBeLessThan(1e-5));
    // Every weight, batch-norm running statistics included.
    three.state.forEach((w, i) => {
      // tfjs suffixes the names of a second model built in one process (conv1/kernel_1).
      expect(w.name.replace(/_\d+$/, '')).toBe(one.state[i].name.replace(/_\d+$/, ''));
      expect(maxRelDiff(w.data, one.state[i].data)).toBeLessThan(1e-4);
    });
    // No tensors left behind by the steps.
    expect(new Set(three.tensorsAfter.slice(1)).size).toBe(1);
  }, 60_000);

  it('DMAT with two replicas is deterministic and leaks nothing', async () => {
    const a = await runSteps('dmat', 2, 2);
    const b = await runSteps('dmat', 2, 2);
    expect(a.losses).toEqual(b.losses);
    a.state.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.state[i].data)));
    expect(a.tensorsAfter[1]).toBe(a.tensorsAfter[0]);
    expect(a.losses.every(Number.isFinite)).toBe(true);
  }, 60_000);

  it('a replica thread that dies fails the step instead of hanging it', async () => {
    const c = classifier(5);
    const vars = c.trainableVariables();
    const optimizer = new SgdMomentum(0.9, 0);
    const group = await ReplicaGroup.start({
      size: 2,
      method: 'normal',
      classifier: c,
      settings,
      optimizer,
      vars,
      timeoutMs: 2000,
    });
    await (group as unknown as { workers: Worker[] }).workers[0].terminate();
    const b = batch(8, 1);
    const ctx = methodContext(c, undefined, settings);
    await expect(
      group.step(methodSpec('normal'), ctx, b, { vars, optimizer, lr: 0.05, seed: 1 }),
    ).rejects.toThrow(/replica/);
    tf.dispose([b.x, b.y, b.w]);
    await group.close();
    optimizer.dispose();
    c.dispose();
  }, 30_000);

  it('refuses replicas that run on another backend than this thread', async () => {
    await useBackend('cpu');
    const c = classifier(5);
    const optimizer = new SgdMomentum(0.9, 0);
    try {
      await expect(
        ReplicaGroup.start({
          size: 2,
          method: 'normal',
          classifier: c,
          settings,
          optimizer,
          vars: c.trainableVariables(),
        }),
      ).rejects.toThrow(/replica thread started on the wasm backend, this thread runs on cpu/);
    } finally {
      optimizer.dispose();
      c.dispose();
      await useBackend('wasm');
    }
  }, 30_000);

  it('train() with replicas matches one replica epoch by epoch (Normal)', async () => {
    const n = 48;
    const b = batch(n, 500);
    const set = new TrainingSet({
      images: b.x.dataSync() as Float32Array,
      imageShape: SHAPE,
      labels: b.y.dataSync() as Int32Array,
    });
    tf.dispose([b.x, b.y, b.w]);
    const config = (c: LayersClassifier, replicas: number): TrainConfig => ({
      method: 'normal',
      classifier: c,
      train: set,
      epochs: 2,
      batchSize: 16,
      lrKnots: [{ epoch: 0, value: 0.05 }],
      momentum: 0.9,
      weightDecay: 0,
      seed: 3,
      replicas,
    });
    const c1 = classifier(9);
    const c2 = classifier(9);
    const r1 = await train(config(c1, 1));
    const r2 = await train(config(c2, 2));
    r2.history.forEach((h, i) =>
      expect(Math.abs(h.trainLoss - r1.history[i].trainLoss)).toBeLessThan(1e-5),
    );
    const s1 = getModelState(c1.model);
    getModelState(c2.model).forEach((w, i) =>
      expect(maxRelDiff(w.data, s1[i].data)).toBeLessThan(1e-4),
    );
    c1.dispose();
    c2.dispose();
  }, 60_000);
});

afterAll(() => undefined);

describe('defaults for using every core', () => {
  it('one thread or process per core on the CPU backends, one on a native backend', async () => {
    const { availableParallelism } = await import('node:os');
    const { coresForBackend } = await import('../../src/main/engine/parallel/cores');
    const { defaultAuditWorkers } = await import('../../src/main/api/audits');
    const cores = availableParallelism();
    expect(coresForBackend('wasm')).toBe(Math.min(cores, 8));
    expect(coresForBackend('tensorflow')).toBe(1);
    expect(defaultAuditWorkers('wasm', 1000, 100)).toBe(Math.min(cores, 4));
    // Never more processes than batches, never fewer than one.
    expect(defaultAuditWorkers('wasm', 100, 100)).toBe(1);
    expect(defaultAuditWorkers('cpu', 0, 100)).toBe(1);
    expect(defaultAuditWorkers('tensorflow', 1000, 100)).toBe(1);
  });
});
