import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  buildGenerator,
  latentShapeFor,
} from '../../src/main/engine/manifold/generatorArchitecture';
import {
  BUILTIN_FEATURE_LAYERS,
  buildFeatureClassifier,
  featureDistance,
} from '../../src/main/engine/manifold/featureNetwork';
import {
  projectBatch,
  projectionLoss,
  psnrPerSample,
} from '../../src/main/engine/manifold/project';
import type { Generator } from '../../src/main/engine/models/types';

const arch = { imageShape: [8, 8, 1] as [number, number, number], codeSize: 4, baseChannels: 16 };

function tinyGenerator(seed: number): Generator & { model: tf.LayersModel } {
  const model = buildGenerator(arch, seed);
  return {
    model,
    name: 'tiny',
    latentShape: latentShapeFor(arch),
    imageShape: arch.imageShape,
    generate: (w) => model.apply(w) as tf.Tensor4D,
    trainableVariables: () => [],
    dispose: () => model.dispose(),
  };
}

beforeAll(async () => {
  await initBackend();
});

describe('projection (paper eq. 7)', () => {
  it('lowers the objective on average, step by step, and never returns worse than the start', () => {
    const gen = tinyGenerator(1);
    const feats = buildFeatureClassifier(arch.imageShape, 3, 2);
    const perceptual = featureDistance(feats, BUILTIN_FEATURE_LAYERS, 'test');
    // Targets on the generator's range, so the optimum is known to be 0.
    const wTrue = tf.randomNormal([6, ...gen.latentShape], 0, 1, 'float32', 3);
    const x = tf.tidy(() => gen.generate(wTrue));
    const w0 = tf.zeros([6, ...gen.latentShape]);
    const r = projectBatch(gen, x, w0, { steps: 30, learningRate: 0.05, lambda: 100, perceptual });
    const h = r.lossHistory;
    expect(h).toHaveLength(31);
    // Monotone on average: every window of 5 steps ends lower than it started.
    for (let i = 0; i + 5 < h.length; i += 5) expect(h[i + 5]).toBeLessThan(h[i]);
    expect(h[h.length - 1]).toBeLessThan(0.5 * h[0]);
    // Best-so-far per sample: never above the start, and equal to the objective recomputed at w.
    const start = projectionLoss(gen.generate(w0), x, 100, perceptual).dataSync();
    const again = projectionLoss(gen.generate(r.w), x, 100, perceptual).dataSync();
    r.loss.forEach((l, i) => {
      expect(l).toBeLessThanOrEqual(start[i] + 1e-5);
      expect(l).toBeCloseTo(again[i], 3);
    });
    tf.dispose([wTrue, x, w0, r.w, r.gw]);
    gen.dispose();
    feats.dispose();
  });

  it('reports L1 and PSNR that agree with a direct computation', () => {
    const gen = tinyGenerator(4);
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w0 = tf.zeros([3, ...gen.latentShape]);
    const r = projectBatch(gen, x, w0, { steps: 3, learningRate: 0.05, lambda: 100 });
    const g = r.gw.arraySync() as number[][][][];
    const xs = x.arraySync() as number[][][][];
    for (let b = 0; b < 3; b++) {
      const d = g[b].flat(2).map((v, i) => v - xs[b].flat(2)[i]);
      const l1 = d.reduce((a, v) => a + Math.abs(v), 0) / d.length;
      const mse = d.reduce((a, v) => a + v * v, 0) / d.length;
      expect(r.l1[b]).toBeCloseTo(l1, 5);
      expect(r.psnr[b]).toBeCloseTo(-10 * Math.log10(mse), 3);
    }
    tf.dispose([x, w0, r.w, r.gw]);
    gen.dispose();
  });

  it('gives 20 dB for a uniform error of 0.1 and caps identical images at 99 dB', () => {
    const a = tf.fill([2, 4, 4, 1], 0.5) as tf.Tensor4D;
    const b = tf.concat([tf.fill([1, 4, 4, 1], 0.6), tf.fill([1, 4, 4, 1], 0.5)]) as tf.Tensor4D;
    const p = psnrPerSample(a, b);
    expect(p[0]).toBeCloseTo(20, 3);
    expect(p[1]).toBe(99);
    tf.dispose([a, b]);
  });

  it('leaks no tensors over repeated projections', () => {
    const gen = tinyGenerator(6);
    const feats = buildFeatureClassifier(arch.imageShape, 3, 7);
    const perceptual = featureDistance(feats, BUILTIN_FEATURE_LAYERS, 'test');
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const w0 = tf.zeros([2, ...gen.latentShape]);
    const run = () => {
      const r = projectBatch(gen, x, w0, { steps: 3, learningRate: 0.05, lambda: 100, perceptual });
      tf.dispose([r.w, r.gw]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w0]);
    gen.dispose();
    feats.dispose();
  });
});
