import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  DataError,
  balancedSubset,
  datasetFromArrays,
  batchOrder,
  batches,
  computeOnManifold,
  disposeBatch,
  readDataset,
  verifyDataset,
  writeDataset,
  type ManifestInput,
  type SplitArrays,
} from '../../src/main/engine/data/index';
import { checkCompatible, loadGenerator } from '../../src/main/engine/models/index';
import { mnistSubset, onManifoldDatasetFolder, trainedClassifier } from '../helpers/fixtures';

let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmat-dataset-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function failure(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (err) {
    expect((err as Error).name).toBe('UserError');
    return (err as Error).message.split(dir).join('<dir>');
  }
  throw new Error('expected the call to fail');
}

const input: ManifestInput = {
  name: 'toy',
  imageShape: [2, 2, 1],
  latentShape: [3],
  numClasses: 3,
  classNames: ['a', 'b', 'c'],
  provenance: { source: 'unit test' },
};

/** n records: x[i] = i (uint8), y[i] = i mod 3, w[i] = (i, −i, 0.5), gw[i] = i / 100. */
function toyArrays(n: number): SplitArrays {
  return {
    x: {
      dtype: 'uint8',
      shape: [n, 2, 2, 1],
      data: Uint8Array.from({ length: 4 * n }, (_, k) => Math.floor(k / 4)),
    },
    y: { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 3) },
    w: {
      dtype: 'float32',
      shape: [n, 3],
      data: Float32Array.from(
        { length: 3 * n },
        (_, k) => [Math.floor(k / 3), -Math.floor(k / 3), 0.5][k % 3],
      ),
    },
    gw: {
      dtype: 'float32',
      shape: [n, 2, 2, 1],
      data: Float32Array.from({ length: 4 * n }, (_, k) => Math.floor(k / 4) / 100),
    },
  };
}

describe('dataset files', () => {
  it('writes and reads back every array with shapes, dtypes and checksums in the manifest', async () => {
    const folder = path.join(dir, 'toy');
    const manifest = await writeDataset(folder, input, {
      train: toyArrays(10),
      test: toyArrays(4),
    });
    expect(manifest.splits.train.count).toBe(10);
    expect(manifest.splits.train.files.w).toMatchObject({
      path: 'train/w.npy',
      dtype: 'float32',
      shape: [10, 3],
    });
    expect(manifest.splits.test.files.x.sha256).toMatch(/^[0-9a-f]{64}$/);
    const ds = await readDataset(folder);
    expect(ds.manifest).toEqual(manifest);
    const want = toyArrays(10);
    for (const k of ['x', 'y', 'w', 'gw'] as const) {
      expect(Array.from(ds.splits.train[k]!.data)).toEqual(Array.from(want[k]!.data));
    }
    expect((await verifyDataset(folder)).ok).toBe(true);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('replaces an existing dataset only when the new one is complete', async () => {
    const folder = path.join(dir, 'replace');
    await writeDataset(folder, input, { train: toyArrays(6) });
    const bad = toyArrays(6);
    bad.y = { dtype: 'int32', shape: [5], data: new Int32Array(5) };
    expect(await failure(() => writeDataset(folder, input, { train: bad }))).toMatchInlineSnapshot(
      `"<dir>/replace/train/y.npy (count): holds 5 records but x has 6 (count mismatch between x and y)"`,
    );
    // The old dataset is untouched and no temporary folder is left behind.
    expect((await readDataset(folder)).splits.train.count).toBe(6);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('names the file and field of every inconsistency on read', async () => {
    const folder = path.join(dir, 'broken');
    await writeDataset(folder, input, { train: toyArrays(6) });
    const manifestFile = path.join(folder, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    const edit = async (f: (m: typeof manifest) => void) => {
      const m = structuredClone(manifest);
      f(m);
      await fs.writeFile(manifestFile, JSON.stringify(m));
      return failure(() => readDataset(folder));
    };
    expect(await edit((m) => (m.splits.train.count = 7))).toMatchInlineSnapshot(
      `"<dir>/broken/train/x.npy (count): holds 6 records but the split's count is 7"`,
    );
    expect(await edit((m) => (m.splits.train.files.w.shape = [6, 4]))).toMatchInlineSnapshot(
      `"<dir>/broken/train/w.npy (shape): has shape [6, 3] but the manifest says [6, 4]"`,
    );
    expect(await edit((m) => (m.numClasses = 2))).toMatchInlineSnapshot(
      `"<dir>/broken/manifest.json (classNames): has 3 names for 2 classes"`,
    );
    expect(await edit((m) => (m.classNames = ['a', 'b', 'c', 'd']))).toMatchInlineSnapshot(
      `"<dir>/broken/manifest.json (classNames): has 4 names for 3 classes"`,
    );
    expect(await edit((m) => delete m.imageShape)).toMatchInlineSnapshot(
      `"<dir>/broken/manifest.json (imageShape): Invalid input: expected tuple, received undefined"`,
    );
    expect(await edit((m) => (m.format = 'something-else'))).toMatchInlineSnapshot(
      `"<dir>/broken/manifest.json (format): not a DMAT dataset manifest (expected "format": "dmat-dataset")"`,
    );
    await fs.writeFile(manifestFile, JSON.stringify(manifest));
    const xFile = path.join(folder, 'train', 'x.npy');
    const x = await fs.readFile(xFile);
    await fs.writeFile(xFile, x.subarray(0, x.length - 3));
    expect(await failure(() => readDataset(folder))).toMatchInlineSnapshot(
      `"<dir>/broken/train/x.npy (data): truncated: shape [6, 2, 2, 1] needs 24 data bytes, the file has 21"`,
    );
    const report = await verifyDataset(folder);
    expect(report.ok).toBe(false);
    expect(
      report.problems.map((p) =>
        p.message
          .split(dir)
          .join('<dir>')
          .replace(/[0-9a-f]{12}…/g, '<sha>…'),
      ),
    ).toMatchInlineSnapshot(`
      [
        "<dir>/broken/train/x.npy: checksum mismatch (manifest sha256 <sha>…, file <sha>…)",
      ]
    `);
    await fs.rm(manifestFile);
    expect(await failure(() => readDataset(folder))).toMatchInlineSnapshot(
      `"<dir>/broken/manifest.json: missing: a dataset folder holds a manifest.json"`,
    );
  });

  it('refuses float images outside [0,1] and labels outside the classes', async () => {
    const a = toyArrays(3);
    a.gw!.data[5] = 1.5;
    expect(
      await failure(() => writeDataset(path.join(dir, 'range'), input, { train: a })),
    ).toMatchInlineSnapshot(
      `"<dir>/range/train/gw.npy (gw): value 1.5 at index 5 is outside [0,1] (float images are in [0,1] pixel units)"`,
    );
    const b = toyArrays(3);
    b.y.data[2] = 3;
    expect(
      await failure(() => writeDataset(path.join(dir, 'labels'), input, { train: b })),
    ).toMatchInlineSnapshot(`"<dir>/labels/train/y.npy (y): label 3 at index 2 is outside 0…2"`);
  });
});

describe('in-memory datasets', () => {
  it('batches arrays read from IDX files like a dataset on disk, and checks them as strictly', async () => {
    const { train } = await mnistSubset({ train: 40, test: 0 });
    const ds = datasetFromArrays(
      {
        name: 'mnist-40',
        imageShape: [28, 28, 1],
        numClasses: 10,
        classNames: train.classNames,
        provenance: {},
      },
      { train: { x: train.x, y: train.y } },
    );
    const [b] = [...batches(ds, { split: 'train', batchSize: 40 })];
    expect(b.w).toBeUndefined();
    expect(b.x.max().dataSync()[0]).toBe(1);
    expect(Array.from(b.y.dataSync())).toEqual(Array.from(train.y.data));
    disposeBatch(b);
    expect(
      await failure(() =>
        datasetFromArrays(
          {
            name: 'mnist-40',
            imageShape: [28, 28, 1],
            numClasses: 5,
            classNames: ['a', 'b', 'c', 'd', 'e'],
            provenance: {},
          },
          { train: { x: train.x, y: train.y } },
        ),
      ),
    ).toMatchInlineSnapshot(`"mnist-40: train.y (y): label 7 at index 0 is outside 0…4"`);
  });
});

describe('dataset verification', () => {
  it('notices a changed generator and accepts builder extras (per-sample arrays, quality details)', async () => {
    const folder = path.join(dir, 'with-generator');
    await fs.cp(await onManifoldDatasetFolder(), folder, { recursive: true });
    const manifestFile = path.join(folder, 'manifest.json');
    const m = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    expect(Object.keys(m.generator.files).sort()).toEqual([
      'dmat-model.json',
      'model.json',
      'weights.bin',
    ]);
    expect(m.splits.train.classCounts.reduce((a: number, b: number) => a + b, 0)).toBe(512);
    // A builder may add per-sample arrays and richer quality figures.
    const l1 = m.splits.test.files.x;
    m.splits.test.files.l1 = { ...l1 };
    m.quality = {
      test: { meanL1: 0.01, meanPsnr: 30, l1: { p50: 0.01 } },
      learnability: { acc: 0.9 },
    };
    await fs.writeFile(manifestFile, JSON.stringify(m));
    expect((await verifyDataset(folder)).ok).toBe(true);
    const weights = path.join(folder, 'generator', 'weights.bin');
    const buf = await fs.readFile(weights);
    buf.writeFloatLE(1, 0);
    await fs.writeFile(weights, buf);
    const report = await verifyDataset(folder);
    expect(report.problems.map((p) => p.message.split(dir).join('<dir>'))).toMatchInlineSnapshot(`
      [
        "<dir>/with-generator/generator/weights.bin: generator checksum mismatch (the generator changed since the dataset was built)",
      ]
    `);
  });
});

describe('batching', () => {
  it('is deterministic per seed, visits every sample once, and limits after shuffling', async () => {
    const folder = path.join(dir, 'batching');
    await writeDataset(folder, input, { train: toyArrays(50) });
    const ds = await readDataset(folder);
    const order = (seed: number) => batchOrder(ds, { split: 'train', shuffle: true, seed });
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect([...order(1)].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(batchOrder(ds, { split: 'train' })).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(batchOrder(ds, { split: 'train', shuffle: true, seed: 1, limit: 7 })).toEqual(
      order(1).slice(0, 7),
    );

    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of batches(ds, { split: 'train', batchSize: 16, shuffle: true, seed: 1 })) {
      sizes.push(b.x.shape[0]);
      seen.push(...b.indices);
      // x is float32 in [0,1]: record i holds the value i / 255; y and w follow the same indices.
      const x = b.x.arraySync().map((img) => img[0][0][0]);
      expect(x).toEqual(b.indices.map((i) => Math.fround(i / 255)));
      expect(b.x.dtype).toBe('float32');
      expect(Array.from(b.y.dataSync())).toEqual(b.indices.map((i) => i % 3));
      expect(b.y.dtype).toBe('int32');
      expect((b.w!.arraySync() as number[][]).map((r) => r[0])).toEqual(b.indices);
      disposeBatch(b);
    }
    expect(sizes).toEqual([16, 16, 16, 2]);
    expect(seen).toEqual(order(1));
    const dropped = [
      ...batches(ds, { split: 'train', batchSize: 16, dropRemainder: true, onManifold: false }),
    ];
    expect(dropped.map((b) => b.x.shape[0])).toEqual([16, 16, 16]);
    expect(dropped[0].w).toBeUndefined();
    dropped.forEach(disposeBatch);
  });

  it('recomputes g(w) from the generator when gw.npy is absent, equal to the stored one', async () => {
    const stored = await readDataset(await onManifoldDatasetFolder());
    const lazy = await readDataset(await onManifoldDatasetFolder({ storeGw: false }));
    expect(lazy.splits.test.gw).toBeUndefined();
    expect(
      (await failure(() => [...batches(lazy, { split: 'test', batchSize: 8 })])).replace(
        /^\S+/,
        '<dataset>',
      ),
    ).toMatchInlineSnapshot(
      `"<dataset> (gw): split "test" stores no g(w): load the generator (generator/model.json) to recompute it"`,
    );
    const { model: generator } = await loadGenerator(lazy.generatorPath!);
    const opts = { split: 'test', batchSize: 64, shuffle: true, seed: 5 };
    const before = tf.memory().numTensors;
    const a = [...batches(stored, opts)];
    const b = [...batches(lazy, { ...opts, generator })];
    a.forEach((batch, i) => {
      expect(b[i].indices).toEqual(batch.indices);
      expect(tf.tidy(() => tf.sub(batch.gw!, b[i].gw!).abs().max().dataSync()[0])).toBeLessThan(
        1e-6,
      );
    });
    [...a, ...b].forEach(disposeBatch);
    expect(tf.memory().numTensors).toBe(before);
    const all = await computeOnManifold(lazy.splits.test, generator, 100);
    const want = stored.splits.test.gw!.data;
    expect(all.data.every((v, i) => Math.abs(v - want[i]) < 1e-6)).toBe(true);
    generator.dispose();
  });

  it('checks that a classifier fits a dataset (shape and classes)', async () => {
    const ds = await readDataset(await onManifoldDatasetFolder());
    const clf = await trainedClassifier('linear');
    const msg = await failure(() => checkCompatible(clf, ds));
    expect(
      msg.replace(/^.*model\.json/, '<model>').replace(/ \/.*manifest\.json/, ' <dataset>'),
    ).toMatchInlineSnapshot(
      `"<model>: wrong number of classes: model outputs 10 but dataset <dataset> has 4"`,
    );
    clf.dispose();
  });
});

describe('balanced subsets', () => {
  it('takes the same number from every class, deterministically', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 3);
    const s = balancedSubset(labels, 30, 4);
    expect(s).toEqual(balancedSubset(labels, 30, 4));
    expect(s).not.toEqual(balancedSubset(labels, 30, 5));
    expect(new Set(s).size).toBe(30);
    const counts = [0, 0, 0];
    for (const i of s) counts[labels[i]]++;
    expect(counts).toEqual([10, 10, 10]);
  });

  it('gives all of a small class and fills the rest from the others', () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2];
    const s = balancedSubset(labels, 9, 0);
    const counts = [0, 0, 0];
    for (const i of s) counts[labels[i]]++;
    expect(counts).toEqual([4, 1, 4]);
    expect(balancedSubset(labels, 100).length).toBe(labels.length);
  });
});

it('DataError carries the file and field', () => {
  const e = new DataError('/d/train/y.npy', 'bad', 'shape');
  expect([e.file, e.field, e.message]).toEqual([
    '/d/train/y.npy',
    'shape',
    '/d/train/y.npy (shape): bad',
  ]);
});
