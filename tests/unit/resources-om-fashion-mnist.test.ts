/** The shipped default dataset matches its manifest: checksums, shapes, class balance, quality. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  readManifest,
  verifyDataset,
  type DatasetManifest,
} from '../../src/main/engine/manifold/datasetManifest';
import {
  readDataset,
  verifyDataset as verifyWithDataLayer,
} from '../../src/main/engine/data/dataset';
import { loadGenerator } from '../../src/main/engine/models/load';
import { readNpy } from '../../src/main/engine/data/npy';
import { classCounts } from '../../src/main/engine/manifold/stats';

const dir = path.resolve(__dirname, '../../resources/om-fashion-mnist');
let m: DatasetManifest;

async function folderBytes(p: string): Promise<number> {
  const st = await fs.stat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await fs.readdir(p)) total += await folderBytes(path.join(p, e));
  return total;
}

beforeAll(async () => {
  await initBackend();
  m = await readManifest(dir);
});

describe('resources/om-fashion-mnist', () => {
  it('has every file as its manifest records it (checksums, shapes, counts)', async () => {
    expect(await verifyDataset(dir)).toEqual([]);
    const shared = await verifyWithDataLayer(dir);
    expect(shared.problems).toEqual([]);
  });

  it('has class-balanced splits of the promised sizes and shapes', async () => {
    expect(m.imageShape).toEqual([28, 28, 1]);
    expect(m.numClasses).toBe(10);
    expect(m.classNames).toHaveLength(10);
    const ds = await readDataset(dir);
    for (const [split, n] of [
      ['train', 10000],
      ['test', 2000],
    ] as const) {
      const s = ds.splits[split];
      expect(s.count).toBe(n);
      expect(s.x.dtype).toBe('uint8');
      expect(s.x.shape).toEqual([n, 28, 28, 1]);
      expect(s.w?.shape).toEqual([n, ...m.latentShape!]);
      expect(classCounts(s.y.data, 10)).toEqual(new Array(10).fill(n / 10));
      expect(m.splits[split].classCounts).toEqual(new Array(10).fill(n / 10));
    }
  });

  it('has a generator whose latent and image shapes are the dataset’s, reproducing the stored errors', async () => {
    const { model: gen } = await loadGenerator(path.join(dir, 'generator'));
    expect(gen.latentShape).toEqual(m.latentShape);
    expect(gen.imageShape).toEqual(m.imageShape);
    const f = m.splits.test.files;
    const [w, x, l1] = await Promise.all(
      [f.w, f.x, f.l1].map((e) => readNpy(path.join(dir, e.path))),
    );
    const n = 50;
    const recomputed = tf.tidy(() => {
      const latentSize = m.latentShape!.reduce((a, b) => a * b, 1);
      const ws = tf.tensor(w.data.subarray(0, n * latentSize), [n, ...m.latentShape!]);
      const xs = tf.tensor(
        Float32Array.from(x.data.subarray(0, n * 784), (v) => v / 255),
        [n, 28, 28, 1],
      );
      return gen.generate(ws).sub(xs).abs().reshape([n, -1]).mean(1).dataSync();
    });
    recomputed.forEach((v, i) => expect(v).toBeCloseTo(l1.data[i], 5));
    gen.dispose();
  });

  it('records its quality figures and provenance', () => {
    for (const split of ['train', 'test']) {
      const q = m.quality[split];
      expect(q.meanL1).toBeGreaterThan(0);
      expect(q.meanL1).toBeLessThan(0.1);
      expect(q.meanPsnr).toBeGreaterThan(15);
      expect(q.objective.end).toBeLessThan(q.objective.start);
    }
    const l = m.quality.learnability!;
    expect(l.gw.trainedOn).toBe('g(w)');
    expect(l.x.trainedOn).toBe('x');
    expect(l.gw.testAccuracy).toBeGreaterThan(0.6);
    expect(l.x.testAccuracy).toBeGreaterThan(0.6);
    expect(String(m.provenance.licence)).toMatch(/MIT/);
    expect(JSON.stringify(m.provenance.projection)).toMatch(/LPIPS-like/);
  });

  it('keeps resources/ well under 50 MB', async () => {
    expect(await folderBytes(path.resolve(dir, '..'))).toBeLessThan(40 * 1024 * 1024);
  });
});
