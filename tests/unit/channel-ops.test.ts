/**
 * The per-channel passes of training batch-norm: the wasm SIMD kernels against the same
 * formulas in tfjs ops on the cpu backend and against float64 sums in plain JS; and batch-norm
 * in training mode on wasm (all of them together) against tfjs's own batch-norm on cpu.
 * Shapes reach the kernels' 4-channel groups, their scalar tail, and a last block of rows
 * shorter than 64.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { initBackend, useBackend } from '../../src/main/engine/runtime/backend';
import {
  channelAffine,
  channelAffine2,
  channelMoments,
  channelSums,
} from '../../src/main/engine/runtime/channel-ops';

const shapes = [
  [70, 5],
  [3, 9, 11, 8],
  [2, 4, 4, 32],
  [5, 7, 3],
];

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(a.length).toBe(b.length);
  return worst / Math.max(scale, 1e-12);
}

/** Every per-channel pass of `shape` under `backend`, on the same seeded inputs. */
async function passes(backend: 'cpu' | 'wasm', shape: number[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const c = shape[shape.length - 1];
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 3, 2, 'float32', 1);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const [a, b, k] = [3, 4, 5].map((seed) => tf.randomNormal([c], 0, 1, 'float32', seed));
    const { mean, m2 } = channelMoments(x);
    const [s, sx] = channelSums(dy, x);
    return [
      mean,
      m2,
      s.dataSync() as Float32Array,
      sx.dataSync() as Float32Array,
      channelAffine(x, a, b).dataSync() as Float32Array,
      channelAffine2(dy, x, a, b, k).dataSync() as Float32Array,
    ];
  });
}

describe('per-channel passes of training batch-norm', () => {
  beforeAll(async () => {
    await initBackend();
  });
  afterAll(async () => {
    await useBackend('wasm');
  });

  it('run as the SIMD kernels on wasm', async () => {
    await useBackend('wasm');
    for (const name of ['Moments', 'Sums', 'Affine', 'Affine2']) {
      expect(tf.getKernel(`DmatChannel${name}`, 'wasm')).toBeDefined();
    }
  });

  for (const shape of shapes) {
    it(`agree with tfjs ops on cpu, x ${shape.join('×')}`, async () => {
      const ref = await passes('cpu', shape);
      const got = await passes('wasm', shape);
      const names = ['mean', 'M2', 'Σdy', 'Σdy·x', 'x·a+b', 'dy·a+x·b+k'];
      ref.forEach((r, i) => expect(maxRelDiff(got[i], r), names[i]).toBeLessThan(1e-5));
    });
  }

  it('keep the variance exact when the mean is large against the spread (float64 reference)', async () => {
    await useBackend('wasm');
    const rows = 20_000;
    const c = 6;
    const values = new Float32Array(rows * c);
    for (let i = 0; i < values.length; i++) values[i] = 1000 + 0.01 * Math.sin(i * 0.37 + (i % c));
    const x = tf.tensor(values, [rows, c]);
    const { mean, m2 } = channelMoments(x);
    x.dispose();
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += values[r * c + ch];
      const mu = sum / rows;
      let q = 0;
      for (let r = 0; r < rows; r++) q += (values[r * c + ch] - mu) ** 2;
      expect(Math.abs(mean[ch] - mu) / mu).toBeLessThan(1e-6);
      expect(Math.abs(m2[ch] - q) / q).toBeLessThan(1e-4);
    }
  });
});

describe("batch-norm in training mode on wasm gives tfjs's own gradients on cpu", () => {
  const core = createRequire(import.meta.url)('@tensorflow/tfjs-core') as {
    moments: typeof tf.moments;
  };
  for (const shape of [
    [70, 3, 3, 6],
    [130, 9],
  ]) {
    it(`x ${shape.join('×')}, γ and β`, async () => {
      const run = async (backend: 'cpu' | 'wasm') => {
        await useBackend(backend);
        return tf.tidy(() => {
          const x = tf.randomNormal(shape, 1.5, 2, 'float32', 3);
          const w = tf.randomNormal(shape, 0, 1, 'float32', 4);
          const bn = tf.layers.batchNormalization({
            gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.3, seed: 5 }),
            betaInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: 6 }),
          });
          bn.build([null, ...shape.slice(1)]);
          const out = (xx: tf.Tensor) =>
            tf.sum(tf.mul(bn.apply(xx, { training: true }) as tf.Tensor, w)) as tf.Scalar;
          const vars = bn.trainableWeights.map((v) => v.read() as tf.Variable);
          const dx = tf.grad(out)(x);
          const { value, grads } = tf.variableGrads(() => out(x), vars);
          return [value, dx, ...vars.map((v) => grads[v.name])].map(
            (t) => t.dataSync() as Float32Array,
          );
        });
      };
      const ours = core.moments;
      const got = await run('wasm');
      core.moments = tf.moments; // tfjs's own moments, and so its own batch-norm
      const ref = await run('cpu');
      core.moments = ours;
      ref.forEach((r, i) => expect(maxRelDiff(got[i], r)).toBeLessThan(1e-4));
    });
  }
});
