import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  buildEncoder,
  buildGenerator,
  latentShapeFor,
  synthesisPlan,
} from '../../src/main/engine/manifold/generatorArchitecture';
import { trainGenerator } from '../../src/main/engine/manifold/generatorTraining';
import { loadLayersModelFolder, saveModelFolder } from '../../src/main/engine/manifold/modelFolder';
import { balancedSample } from '../../src/main/engine/manifold/random';
import { saveGenerator } from '../../src/main/engine/models/save';
import { loadGenerator } from '../../src/main/engine/models/load';

beforeAll(async () => {
  await initBackend();
});

describe('built-in generator architecture', () => {
  it.each([
    [
      [28, 28, 1],
      [4, 16],
    ],
    [
      [32, 32, 3],
      [4, 16],
    ],
    [
      [64, 64, 3],
      [5, 16],
    ],
    [
      [30, 20, 1],
      [4, 16],
    ],
    [
      [8, 8, 3],
      [3, 16],
    ],
  ] as [[number, number, number], number[]][])(
    '%j images: latent %j, output of that shape in [0,1]',
    (imageShape, latent) => {
      const arch = { imageShape, codeSize: 16, baseChannels: 16 };
      expect(latentShapeFor(arch)).toEqual(latent);
      const g = buildGenerator(arch);
      expect(g.inputs[0].shape).toEqual([null, ...latent]);
      const out = tf.tidy(() =>
        (g.predict(tf.randomNormal([2, ...latent])) as tf.Tensor).arraySync(),
      ) as number[][][][];
      expect([out[0].length, out[0][0].length, out[0][0][0].length]).toEqual(imageShape);
      const flat = out.flat(3);
      expect(Math.min(...flat)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...flat)).toBeLessThanOrEqual(1);
      g.dispose();
    },
  );

  it('plans enough ×2 upsamplings to cover the image', () => {
    const p = synthesisPlan([28, 28, 1]);
    expect(p.baseHeight * 2 ** p.upsamplings).toBeGreaterThanOrEqual(28);
    expect(p).toEqual({ upsamplings: 2, baseHeight: 7, baseWidth: 7 });
  });

  it('refuses images that are not 1 or 3 channels', () => {
    expect(() => buildGenerator({ imageShape: [8, 8, 2], codeSize: 4, baseChannels: 16 })).toThrow(
      /1 or 3 channels/,
    );
  });

  it('is the same network for the same seed', () => {
    const arch = {
      imageShape: [8, 8, 1] as [number, number, number],
      codeSize: 4,
      baseChannels: 16,
    };
    const [a, b] = [buildGenerator(arch, 3), buildGenerator(arch, 3)];
    const w = tf.randomNormal([2, ...latentShapeFor(arch)], 0, 1, 'float32', 1);
    const diff = tf.tidy(
      () =>
        (a.predict(w) as tf.Tensor)
          .sub(b.predict(w) as tf.Tensor)
          .abs()
          .max()
          .dataSync()[0],
    );
    expect(diff).toBe(0);
    tf.dispose(w);
    a.dispose();
    b.dispose();
  });
});

describe('generator training (VAE decoder)', () => {
  it('lowers the reconstruction error, and the saved generator and encoder reload to the same outputs', async () => {
    // Two kinds of 8×8 images: bright squares at different places, with noise.
    const n = 128;
    const x = new Uint8Array(n * 64);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let p = 0; p < 64; p++) {
        const [r, c] = [Math.floor(p / 8), p % 8];
        const on = labels[i] === 0 ? r < 4 && c < 4 : r >= 4 && c >= 4;
        x[i * 64 + p] = (on ? 200 : 30) + ((i * 31 + p * 7) % 25);
      }
    }
    const images = { dtype: 'uint8' as const, shape: [n, 8, 8, 1], data: x };
    const arch = {
      imageShape: [8, 8, 1] as [number, number, number],
      codeSize: 4,
      baseChannels: 16,
    };
    const trained = await trainGenerator(images, arch, {
      epochs: 6,
      batchSize: 32,
      learningRate: 5e-3,
      klWeight: 0.1,
      seed: 1,
    });
    const h = trained.history;
    expect(h[h.length - 1].l1).toBeLessThan(0.6 * h[0].l1);
    expect(trained.latentShape).toEqual([3, 4]);
    expect(balancedSample(labels, 2, 10, 0)).toHaveLength(10);

    const dir = await mkdtemp(path.join(tmpdir(), 'dmat-gen-'));
    await saveGenerator(dir, trained.generator, {
      name: 'tiny',
      latentShape: [3, 4],
      imageShape: arch.imageShape,
    });
    await saveModelFolder(trained.encoder, path.join(dir, 'encoder'), {
      kind: 'encoder',
      name: 'tiny encoder',
      inputShape: arch.imageShape,
      latentShape: [3, 4],
      architecture: {},
      provenance: {},
    });
    const { model: gen } = await loadGenerator(dir);
    const enc = await loadLayersModelFolder(path.join(dir, 'encoder'));
    expect(gen.latentShape).toEqual([3, 4]);
    const w = tf.randomNormal([4, 3, 4], 0, 1, 'float32', 2);
    const img = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 3);
    const d1 = tf.tidy(
      () =>
        gen
          .generate(w)
          .sub(trained.generator.predict(w) as tf.Tensor)
          .abs()
          .max()
          .dataSync()[0],
    );
    const d2 = tf.tidy(
      () =>
        (enc.predict(img) as tf.Tensor[])[0]
          .sub((trained.encoder.predict(img) as tf.Tensor[])[0])
          .abs()
          .max()
          .dataSync()[0],
    );
    expect(d1).toBe(0);
    expect(d2).toBe(0);
    tf.dispose([w, img]);
    gen.dispose();
    enc.dispose();
    trained.generator.dispose();
    trained.encoder.dispose();
    expect(buildEncoder(arch).outputs).toHaveLength(2);
  });
});
