import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  ModelError,
  checkCompatible,
  loadClassifier,
  loadGenerator,
  saveClassifier,
  saveGenerator,
  LayersClassifier,
  LayersGenerator,
  GraphGenerator,
  readModelMeta,
  fileSystemHandler,
  endsInSoftmax,
} from '../../src/main/engine/models/index';
import { writeLinearGraphModel } from '../helpers/graph-model';

let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmat-models-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Error message with the temp folder replaced, so snapshots are stable. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).name).toBe('UserError');
    return (err as Error).message
      .split(dir)
      .join('<dir>')
      .replace(/[0-9a-f]{12}…/g, '<sha256>…');
  }
  throw new Error('expected the call to fail');
}

/** A small seeded dense network on 4×4×1 images: flatten → dense 8 relu → dense K. */
function smallModel(k = 3, finalActivation?: 'softmax'): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({
        name: 'hidden',
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      }),
      tf.layers.dense({
        units: k,
        activation: finalActivation,
        kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
      }),
    ],
  });
}

const batch = () => tf.randomUniform([5, 4, 4, 1], 0, 1, 'float32', 9) as tf.Tensor4D;

async function saved(name: string, model: tf.LayersModel, meta = {}): Promise<string> {
  const folder = path.join(dir, name);
  await saveClassifier(folder, model, { name, inputShape: [4, 4, 1], numClasses: 3, ...meta });
  return folder;
}

describe('saving and loading classifiers', () => {
  it('round-trips a LayersModel: same logits, checksums recorded and verified', async () => {
    const model = smallModel();
    const folder = await saved('round-trip', model);
    const meta = await readModelMeta(folder);
    expect(meta?.kind).toBe('classifier');
    expect(Object.keys(meta?.files ?? {}).sort()).toEqual(['model.json', 'weights.bin']);
    expect(meta?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const loaded = await loadClassifier(path.join(folder, 'model.json'));
    expect(loaded.model).toBeInstanceOf(LayersClassifier);
    expect(loaded.sha256).toBe(meta?.sha256);
    expect(loaded.model.inputShape).toEqual([4, 4, 1]);
    expect(loaded.model.numClasses).toBe(3);
    const x = batch();
    const want = model.predict(x) as tf.Tensor;
    const got = loaded.model.logits(x);
    expect(tf.sub(want, got).abs().max().dataSync()[0]).toBe(0);
    expect(loaded.model.trainableVariables()).toHaveLength(4);
    tf.dispose([x, want, got]);
    model.dispose();
    loaded.model.dispose();
  });

  it('applies the stored preprocessing inside logits (attacks stay in [0,1] pixels)', async () => {
    const model = smallModel();
    const preprocessing = {
      inputRange: [-1, 1] as [number, number],
      mean: [0.2],
      std: [0.5],
      channelOrder: 'rgb' as const,
    };
    const folder = await saved('preprocessed', model, { preprocessing });
    const { model: clf } = await loadClassifier(folder);
    const x = batch();
    // Independent computation: map [0,1] → [-1,1], then (v − 0.2) / 0.5, then the raw network.
    const want = model.predict(x.mul(2).sub(1).sub(0.2).div(0.5)) as tf.Tensor;
    const got = clf.logits(x);
    expect(tf.sub(want, got).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, want, got]);
    model.dispose();
    clf.dispose();
  });

  it('reverses channels for a BGR network', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 3] }),
        tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
      ],
    });
    const folder = path.join(dir, 'bgr');
    await saveClassifier(folder, model, {
      name: 'bgr',
      inputShape: [2, 2, 3],
      numClasses: 2,
      preprocessing: { inputRange: [0, 255], channelOrder: 'bgr' },
    });
    const { model: clf } = await loadClassifier(folder);
    const x = tf.randomUniform([3, 2, 2, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [r, g, b] = tf.split(x, 3, 3);
    const want = model.predict(tf.concat([b, g, r], 3).mul(255)) as tf.Tensor;
    const got = clf.logits(x);
    expect(tf.sub(want, got).abs().max().dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([x, r, g, b, want, got]);
    model.dispose();
    clf.dispose();
  });

  it('loads a GraphModel and matches an independent matrix product', async () => {
    const kernel = Float32Array.from({ length: 16 * 3 }, (_, i) => Math.sin(i));
    const bias = new Float32Array([0.1, -0.2, 0.3]);
    const folder = await writeLinearGraphModel(path.join(dir, 'graph'), {
      inputShape: [4, 4, 1],
      kernel,
      bias,
    });
    const { model: clf } = await loadClassifier(folder);
    expect(clf.trainableVariables()).toEqual([]);
    const x = batch();
    const want = tf.matMul(x.reshape([5, 16]), tf.tensor2d(kernel, [16, 3])).add(tf.tensor1d(bias));
    const got = clf.logits(x);
    expect(tf.sub(want, got).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    // Gradients reach the input through the graph.
    const g = tf.grad((xx: tf.Tensor) => clf.logits(xx as tf.Tensor4D).sum())(x);
    expect(g.abs().sum().dataSync()[0]).toBeGreaterThan(0);
    // Saving a GraphModel classifier writes the graph back with a sidecar.
    const copy = path.join(dir, 'graph-copy');
    const { meta } = await saveClassifier(copy, clf, { classNames: ['a', 'b', 'c'] });
    expect([meta.modelFormat, meta.numClasses, meta.inputShape]).toEqual([
      'graph-model',
      3,
      [4, 4, 1],
    ]);
    const { model: back } = await loadClassifier(copy);
    const again = back.logits(x);
    expect(tf.sub(again, got).abs().max().dataSync()[0]).toBe(0);
    tf.dispose([x, want, got, g, again]);
    back.dispose();
    clf.dispose();
  });

  it('leaks no tensors over repeated logits calls', async () => {
    const model = smallModel();
    const folder = await saved('leaks', model, {
      preprocessing: { inputRange: [0, 255], channelOrder: 'rgb' },
    });
    model.dispose();
    const { model: clf } = await loadClassifier(folder);
    const x = batch();
    clf.logits(x).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) clf.logits(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    clf.dispose();
  });

  it('leaves no tensors behind after load and dispose, nor after a failed load', async () => {
    const model = smallModel(3, 'softmax');
    const folder = await saved('load-leaks', model);
    model.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      (await loadClassifier(folder, { stripSoftmax: true })).model.dispose();
      await loadClassifier(folder).catch(() => undefined);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('writes atomically: no temporary files are left beside the model', async () => {
    const model = smallModel();
    const folder = await saved('atomic', model);
    await saveClassifier(folder, model, { name: 'again', inputShape: [4, 4, 1], numClasses: 3 });
    expect((await fs.readdir(folder)).sort()).toEqual([
      'dmat-model.json',
      'model.json',
      'weights.bin',
    ]);
    model.dispose();
  });
});

describe('model validation errors name the file', () => {
  it('missing model folder and missing model.json', async () => {
    expect(await failure(loadClassifier(path.join(dir, 'nope')))).toMatchInlineSnapshot(
      `"<dir>/nope: no such file or folder"`,
    );
    await fs.mkdir(path.join(dir, 'empty'), { recursive: true });
    expect(await failure(loadClassifier(path.join(dir, 'empty')))).toMatchInlineSnapshot(
      `"<dir>/empty/model.json: missing: a model folder holds a TensorFlow.js model.json"`,
    );
  });

  it('missing weights file', async () => {
    const model = smallModel();
    const folder = await saved('no-weights', model);
    model.dispose();
    await fs.rm(path.join(folder, 'weights.bin'));
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/no-weights/weights.bin: weights file is missing (listed in <dir>/no-weights/model.json)"`,
    );
  });

  it('truncated weights file', async () => {
    const model = smallModel();
    const folder = await saved('short-weights', model);
    model.dispose();
    const file = path.join(folder, 'weights.bin');
    const buf = await fs.readFile(file);
    await fs.writeFile(file, buf.subarray(0, buf.length - 8));
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/short-weights/model.json: weight files hold 644 bytes but the weights manifest describes 652 bytes (truncated or mismatched weight files)"`,
    );
  });

  it('weights changed after saving (checksum mismatch)', async () => {
    const model = smallModel();
    const folder = await saved('tampered', model);
    model.dispose();
    const file = path.join(folder, 'weights.bin');
    const buf = await fs.readFile(file);
    buf.writeFloatLE(0.5, 0);
    await fs.writeFile(file, buf);
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/tampered/weights.bin: checksum mismatch: dmat-model.json records sha256 <sha256>…, the file has <sha256>… (file changed or damaged)"`,
    );
    // The check can be turned off, e.g. for a folder edited on purpose.
    const { model: clf } = await loadClassifier(folder, { verifyChecksums: false });
    clf.dispose();
  });

  it('non-finite weights', async () => {
    const model = smallModel();
    const kernel = model.layers[1].getWeights()[0];
    const bad = tf.tidy(() =>
      kernel.where(
        tf
          .range(0, 16 * 8)
          .reshape([16, 8])
          .notEqual(5),
        NaN,
      ),
    );
    model.layers[1].setWeights([bad, model.layers[1].getWeights()[1]]);
    bad.dispose();
    const folder = await saved('nan', model);
    model.dispose();
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/nan/model.json: weight "hidden/kernel" has 1 non-finite value(s) (NaN or Infinity)"`,
    );
  });

  it('wrong number of classes in the sidecar, and against a dataset', async () => {
    const model = smallModel(3);
    const folder = await saved('classes', model, { numClasses: 5 });
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/classes/model.json: wrong number of classes: the model outputs 3 scores but <dir>/classes/dmat-model.json says numClasses 5"`,
    );
    const ok = await saved('classes-ok', model);
    model.dispose();
    const { model: clf } = await loadClassifier(ok);
    const dataset = {
      name: 'toy',
      imageShape: [4, 4, 1],
      numClasses: 10,
      file: '/data/toy/manifest.json',
    };
    expect(
      await failure(Promise.resolve().then(() => checkCompatible(clf, dataset))),
    ).toMatchInlineSnapshot(
      `"<dir>/classes-ok/model.json: wrong number of classes: model outputs 3 but dataset /data/toy/manifest.json has 10"`,
    );
    expect(
      await failure(
        Promise.resolve().then(() => checkCompatible(clf, { ...dataset, imageShape: [28, 28, 1] })),
      ),
    ).toMatchInlineSnapshot(
      `"<dir>/classes-ok/model.json: model takes 4×4×1 images (H×W×C) but dataset /data/toy/manifest.json holds 28×28×1 images"`,
    );
    expect(() => checkCompatible(clf, { ...dataset, numClasses: 3 })).not.toThrow();
    clf.dispose();
  });

  it('sidecar input shape that contradicts the model', async () => {
    const model = smallModel();
    const folder = await saved('shape', model, { inputShape: [8, 8, 1] });
    model.dispose();
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/shape/dmat-model.json: inputShape [8, 8, 1] does not match the model's input [4, 4, 1] in <dir>/shape/model.json"`,
    );
  });

  it('a bad sidecar field', async () => {
    const model = smallModel();
    const folder = await saved('bad-meta', model);
    model.dispose();
    const file = path.join(folder, 'dmat-model.json');
    const meta = JSON.parse(await fs.readFile(file, 'utf8'));
    meta.preprocessing = { inputRange: [0, 1], channelOrder: 'grb' };
    await fs.writeFile(file, JSON.stringify(meta));
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/bad-meta/dmat-model.json: field "preprocessing.channelOrder": Invalid option: expected one of "rgb"|"bgr""`,
    );
  });
});

describe('probability outputs', () => {
  it('refuses a LayersModel ending in softmax, then strips it on request', async () => {
    const model = smallModel(3, 'softmax');
    const folder = await saved('softmax', model);
    expect(await failure(loadClassifier(folder))).toMatchInlineSnapshot(
      `"<dir>/softmax/model.json: the model outputs probabilities (every row is non-negative and sums to 1), not logits; attacks need logits: through a softmax their gradients vanish and robustness is overstated. Load it with the option to strip the trailing softmax, or remove it before export."`,
    );
    const loaded = await loadClassifier(folder, { stripSoftmax: true });
    expect(loaded.strippedSoftmax).toBe(true);
    const x = batch();
    const probs = model.predict(x) as tf.Tensor;
    const logits = loaded.model.logits(x);
    // softmax(stripped logits) gives back the original probabilities; the logits are no probabilities.
    expect(tf.sub(tf.softmax(logits), probs).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    expect(logits.min().dataSync()[0]).toBeLessThan(0);
    tf.dispose([x, probs, logits]);
    model.dispose();
    loaded.model.dispose();
  });

  it('strips a separate Softmax layer in a functional model', async () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const dense = tf.layers
      .dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) })
      .apply(flat);
    const out = tf.layers.softmax().apply(dense) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const folder = await saved('softmax-layer', model);
    const json = JSON.parse(await fs.readFile(path.join(folder, 'model.json'), 'utf8'));
    expect(endsInSoftmax(json.modelTopology)).toBe(true);
    const { model: clf } = await loadClassifier(folder, { stripSoftmax: true });
    const x = batch();
    const probs = model.predict(x) as tf.Tensor;
    const logits = clf.logits(x);
    expect(tf.sub(tf.softmax(logits), probs).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, probs, logits]);
    model.dispose();
    clf.dispose();
  });

  it('refuses a GraphModel ending in Softmax', async () => {
    const folder = await writeLinearGraphModel(path.join(dir, 'graph-softmax'), {
      inputShape: [4, 4, 1],
      kernel: Float32Array.from({ length: 48 }, (_, i) => Math.cos(i)),
      bias: new Float32Array(3),
      softmax: true,
    });
    expect(await failure(loadClassifier(folder, { stripSoftmax: true }))).toMatchInlineSnapshot(
      `"<dir>/graph-softmax/model.json: the model outputs probabilities (every row is non-negative and sums to 1), not logits; attacks need logits: through a softmax their gradients vanish and robustness is overstated. Export the graph without its final Softmax op."`,
    );
  });
});

describe('generators', () => {
  function decoder(): tf.LayersModel {
    return tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [2, 3],
          units: 4,
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({
          units: 16,
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotNormal({ seed: 8 }),
        }),
        tf.layers.reshape({ targetShape: [4, 4, 1] }),
      ],
    });
  }

  it('reads the latent shape from the model and maps the output range to [0,1]', async () => {
    const model = decoder();
    const folder = path.join(dir, 'gen');
    await saveGenerator(folder, model, { name: 'gen', outputRange: [-1, 1] });
    const { model: gen } = await loadGenerator(folder);
    expect(gen).toBeInstanceOf(LayersGenerator);
    expect(gen.latentShape).toEqual([2, 3]);
    expect(gen.imageShape).toEqual([4, 4, 1]);
    const w = tf.randomNormal([3, 2, 3], 0, 1, 'float32', 1);
    const raw = model.predict(w) as tf.Tensor;
    const img = gen.generate(w);
    expect(tf.sub(img, raw.add(1).div(2)).abs().max().dataSync()[0]).toBeLessThan(1e-6);
    expect(gen.trainableVariables().length).toBe(4);
    tf.dispose([w, raw, img]);
    model.dispose();
    gen.dispose();
  });

  it('loads a GraphModel generator and matches an independent computation', async () => {
    const kernel = Float32Array.from({ length: 5 * 16 }, (_, i) => Math.sin(3 * i));
    const bias = Float32Array.from({ length: 16 }, (_, i) => i / 16 - 0.5);
    const folder = await writeLinearGraphModel(path.join(dir, 'graph-gen'), {
      inputShape: [5],
      kernel,
      bias,
      sigmoid: true,
      reshapeTo: [4, 4, 1],
    });
    const { model: gen } = await loadGenerator(folder);
    expect(gen).toBeInstanceOf(GraphGenerator);
    expect([gen.latentShape, gen.imageShape]).toEqual([[5], [4, 4, 1]]);
    const w = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
    const want = tf.sigmoid(tf.matMul(w, tf.tensor2d(kernel, [5, 16])).add(tf.tensor1d(bias)));
    const got = gen.generate(w);
    expect(got.shape).toEqual([3, 4, 4, 1]);
    expect(
      tf
        .sub(want.reshape([3, 4, 4, 1]), got)
        .abs()
        .max()
        .dataSync()[0],
    ).toBeLessThan(1e-5);
    tf.dispose([w, want, got]);
    gen.dispose();
  });

  it('refuses a classifier folder and a contradicting latent shape', async () => {
    const model = decoder();
    const folder = path.join(dir, 'gen-bad');
    await saveGenerator(folder, model, { name: 'gen', latentShape: [6] });
    expect(await failure(loadGenerator(folder))).toMatchInlineSnapshot(
      `"<dir>/gen-bad/dmat-model.json: latentShape [6] does not match the model's input [2, 3] in <dir>/gen-bad/model.json"`,
    );
    const clf = smallModel();
    const clfFolder = await saved('not-a-generator', clf);
    expect(await failure(loadGenerator(clfFolder))).toMatchInlineSnapshot(
      `"<dir>/not-a-generator/dmat-model.json: kind is "classifier", expected "generator""`,
    );
    model.dispose();
    clf.dispose();
  });
});

describe('file system handler', () => {
  it('saves and loads through tf.io like any other handler', async () => {
    const model = smallModel();
    const folder = path.join(dir, 'handler');
    await model.save(fileSystemHandler(folder));
    const back = await tf.loadLayersModel(fileSystemHandler(path.join(folder, 'model.json')));
    const x = batch();
    const a = model.predict(x) as tf.Tensor;
    const b = back.predict(x) as tf.Tensor;
    expect(tf.sub(a, b).abs().max().dataSync()[0]).toBe(0);
    tf.dispose([x, a, b]);
    model.dispose();
    back.dispose();
  });
});
