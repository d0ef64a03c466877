import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  buildGenerator,
  latentShapeFor,
  type GeneratorArchitecture,
} from '../../src/main/engine/manifold/generatorArchitecture';
import {
  buildDataset,
  generateAll,
  type DatasetBuildSpec,
  type SplitData,
} from '../../src/main/engine/manifold/datasetBuild';
import { readManifest, verifyDataset } from '../../src/main/engine/manifold/datasetManifest';
import { readImageSource, readLabelledFile } from '../../src/main/engine/manifold/imageSource';
import { loadBuildTools } from '../../src/main/engine/manifold/buildTools';
import { balancedSample } from '../../src/main/engine/manifold/random';
import { readNpy, writeNpy } from '../../src/main/engine/data/npy';
import { readDataset } from '../../src/main/engine/data/dataset';
import { saveGenerator } from '../../src/main/engine/models/save';

const arch: GeneratorArchitecture = { imageShape: [8, 8, 1], codeSize: 4, baseChannels: 16 };

async function tmp(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'dmat-ds-'));
}

async function saveTiny(dir: string, a: GeneratorArchitecture, seed: number): Promise<void> {
  const g = buildGenerator(a, seed);
  await saveGenerator(dir, g, {
    name: 'tiny',
    latentShape: latentShapeFor(a),
    imageShape: a.imageShape,
  });
  g.dispose();
}

function images(n: number, size: number, seed: number): SplitData {
  const data = new Uint8Array(n * size * size);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 11) % 251;
  return {
    x: { dtype: 'uint8', shape: [n, size, size, 1], data },
    y: Int32Array.from({ length: n }, (_, i) => i % 2),
  };
}

function spec(
  outDir: string,
  generatorDir: string,
  splits: Record<string, SplitData>,
): DatasetBuildSpec {
  return {
    outDir,
    name: 'tiny',
    numClasses: 2,
    classNames: ['a', 'b'],
    generatorDir,
    splits,
    projection: { steps: 3, learningRate: 0.1, lambda: 100 },
    batchSize: 4,
    init: 'zeros',
    storeGw: true,
    seed: 0,
    provenance: { source: 'test' },
  };
}

beforeAll(async () => {
  await initBackend();
});

describe('dataset build', () => {
  it('stores w whose g(w) matches the stored on-manifold images, in a folder the data layer reads', async () => {
    const root = await tmp();
    const gdir = path.join(root, 'gen');
    await saveTiny(gdir, arch, 1);
    const tools = await loadBuildTools(gdir);
    const out = path.join(root, 'ds');
    const m = await buildDataset(
      spec(out, gdir, { train: images(10, 8, 1), test: images(6, 8, 2) }),
      tools,
    );
    expect(m.splits.train.count).toBe(10);
    expect(m.splits.train.classCounts).toEqual([5, 5]);
    expect(m.latentShape).toEqual([3, 4]);
    expect(m.quality.train.meanL1).toBeGreaterThan(0);
    expect(m.quality.test.objective.end).toBeLessThanOrEqual(m.quality.test.objective.start);
    // g(w) recomputed from the stored w, with the generator copied into the dataset.
    const w = (await readNpy(path.join(out, 'train/w.npy'))) as {
      dtype: 'float32';
      shape: number[];
      data: Float32Array;
    };
    const gw = await readNpy(path.join(out, 'train/gw.npy'));
    const copied = await loadBuildTools(path.join(out, 'generator'), { perceptual: 'none' });
    const again = await generateAll(copied.generator, w, 3);
    let maxDiff = 0;
    again.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - gw.data[i]))));
    expect(maxDiff).toBeLessThan(1e-6);
    // The shared reader accepts the folder and its checks pass.
    const ds = await readDataset(out);
    expect(ds.splits.train.w?.shape).toEqual([10, 3, 4]);
    expect(await verifyDataset(out)).toEqual([]);
    expect(await fs.readdir(out)).not.toContain('.build');
    tools.dispose();
    copied.dispose();
  });

  it('refuses images of another size than the generator makes', async () => {
    const root = await tmp();
    await saveTiny(path.join(root, 'gen'), arch, 1);
    const tools = await loadBuildTools(path.join(root, 'gen'));
    await expect(
      buildDataset(
        spec(path.join(root, 'ds'), path.join(root, 'gen'), { train: images(4, 10, 1) }),
        tools,
      ),
    ).rejects.toThrow(
      /train images are \[10, 10, 1\] but the generator .* makes \[8, 8, 1\] images/,
    );
    tools.dispose();
  });

  it('refuses to resume with a generator of another latent shape', async () => {
    const root = await tmp();
    const out = path.join(root, 'ds');
    await saveTiny(path.join(root, 'g1'), arch, 1);
    await saveTiny(path.join(root, 'g2'), { ...arch, codeSize: 6 }, 1);
    const t1 = await loadBuildTools(path.join(root, 'g1'));
    // A build that stops after its first batch leaves progress behind.
    await expect(
      buildDataset(spec(out, path.join(root, 'g1'), { train: images(8, 8, 1) }), t1, () => {
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    const t2 = await loadBuildTools(path.join(root, 'g2'));
    await expect(
      buildDataset(spec(out, path.join(root, 'g2'), { train: images(8, 8, 1) }), t2),
    ).rejects.toThrow(/latent shape is \[3, 4\]; this generator's is \[3, 6\]/);
    // The same settings resume and finish.
    const m = await buildDataset(spec(out, path.join(root, 'g1'), { train: images(8, 8, 1) }), t1);
    expect(m.splits.train.count).toBe(8);
    t1.dispose();
    t2.dispose();
  });

  it('reports a changed file after the build', async () => {
    const root = await tmp();
    await saveTiny(path.join(root, 'gen'), arch, 1);
    const tools = await loadBuildTools(path.join(root, 'gen'));
    const out = path.join(root, 'ds');
    await buildDataset(
      { ...spec(out, path.join(root, 'gen'), { train: images(4, 8, 1) }), storeGw: false },
      tools,
    );
    const m = await readManifest(out);
    expect(Object.keys(m.splits.train.files).sort()).toEqual(['l1', 'psnr', 'w', 'x', 'y']);
    const yFile = path.join(out, 'train/y.npy');
    const y = await readNpy(yFile);
    y.data[0] = 1 - y.data[0];
    await writeNpy(yFile, y);
    const problems = await verifyDataset(out);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/train\/y\.npy: checksum differs from the manifest \(train\.y\)/);
    tools.dispose();
  });
});

describe('inputs', () => {
  it('asks for labels when an image file comes without them, and checks their count', async () => {
    const root = await tmp();
    const img = path.join(root, 'x.npy');
    await writeNpy(img, { dtype: 'uint8', shape: [3, 4, 4], data: new Uint8Array(48) });
    await expect(readLabelledFile(img, undefined)).rejects.toThrow(
      /x\.npy: labels are missing; give the label file with --labels/,
    );
    const lbl = path.join(root, 'y.npy');
    await writeNpy(lbl, { dtype: 'int32', shape: [2], data: new Int32Array(2) });
    await expect(readLabelledFile(img, lbl)).rejects.toThrow(/y\.npy: 2 labels for 3 images/);
    await writeNpy(lbl, { dtype: 'int32', shape: [3], data: Int32Array.from([0, 1, 0]) });
    const s = await readLabelledFile(img, lbl);
    expect(s.x.shape).toEqual([3, 4, 4, 1]);
  });

  it('names the file when images are corrupt, not images, or the generator folder is incomplete', async () => {
    const root = await tmp();
    const bad = path.join(root, 'images.npy');
    await fs.writeFile(bad, 'not an array');
    await expect(readImageSource(bad, bad)).rejects.toThrow(/images\.npy.*NPY/);
    const wide = path.join(root, 'wide.npy');
    await writeNpy(wide, { dtype: 'uint8', shape: [2, 4, 4, 2], data: new Uint8Array(64) });
    await expect(readImageSource(wide, wide)).rejects.toThrow(
      /wide\.npy: images must have 1 or 3 channels, found 2/,
    );
    await expect(readImageSource(path.join(root, 'nowhere'))).rejects.toThrow(
      /nowhere: no such file or folder/,
    );
    const gdir = path.join(root, 'gen');
    await saveTiny(gdir, arch, 1);
    await fs.rm(path.join(gdir, 'weights.bin'));
    await expect(loadBuildTools(gdir)).rejects.toThrow(/weights\.bin/);
  });

  it('draws class-balanced seeded samples', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 90 ? 1 : 2));
    const s = balancedSample(labels, 3, 30, 5);
    expect(new Set(s).size).toBe(30);
    expect([0, 1, 2].map((k) => s.filter((i) => labels[i] === k).length)).toEqual([10, 10, 10]);
    expect(balancedSample(labels, 3, 30, 5)).toEqual(s);
    expect(() => balancedSample(labels, 3, 60, 5)).toThrow(/class 2 has 10 samples, 20 are needed/);
  });
});

describe('tensor hygiene', () => {
  it('generateAll leaves no tensors behind', async () => {
    const g = buildGenerator(arch, 2);
    const gen = {
      name: 't',
      latentShape: latentShapeFor(arch),
      imageShape: arch.imageShape,
      generate: (w: tf.Tensor) => g.apply(w) as tf.Tensor4D,
      trainableVariables: () => [],
      dispose: () => g.dispose(),
    };
    const w = { dtype: 'float32' as const, shape: [5, 3, 4], data: new Float32Array(60).fill(0.1) };
    await generateAll(gen, w, 2);
    const before = tf.memory().numTensors;
    await generateAll(gen, w, 2);
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });
});
