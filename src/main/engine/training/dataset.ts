/**
 * Read an on-manifold dataset folder (engine/data/format.md) into training sets: g(w) images
 * (recomputed from w with the dataset's generator when not stored), latents and labels, plus the
 * natural images x of the same records for evaluation on natural data.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { readManifest, readSplitArray, type DatasetManifest } from '../manifold/datasetManifest';
import { permutation } from '../manifold/random';
import { loadGenerator, type AnyGenerator } from '../models/load';
import { TrainingSet } from './data';

export interface LoadedSplit {
  /** (g(w), w, y): what training and on-manifold evaluation read. */
  onManifold: TrainingSet;
  /** (x, y): the natural images, when the split stores them. */
  natural?: TrainingSet;
}

export interface LoadedDataset {
  dir: string;
  manifest: DatasetManifest;
  generator?: AnyGenerator;
  /** SHA-256 of the generator model, for provenance. */
  generatorSha256?: string;
}

export async function openDataset(dir: string): Promise<LoadedDataset> {
  const manifest = await readManifest(dir);
  if (!manifest.generator) return { dir, manifest };
  const loaded = await loadGenerator(path.join(dir, manifest.generator.path));
  return { dir, manifest, generator: loaded.model, generatorSha256: loaded.sha256 };
}

/** g(w) for all latents, in batches. */
function generateImages(g: AnyGenerator, latents: Float32Array, n: number): Float32Array {
  const per = g.latentShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * g.imageShape.reduce((a, b) => a * b, 1));
  let offset = 0;
  for (let i = 0; i < n; i += 256) {
    const k = Math.min(256, n - i);
    const imgs = tf.tidy(() =>
      tf.clipByValue(
        g.generate(tf.tensor(latents.subarray(i * per, (i + k) * per), [k, ...g.latentShape])),
        0,
        1,
      ),
    );
    const data = imgs.dataSync();
    out.set(data, offset);
    offset += data.length;
    imgs.dispose();
  }
  return out;
}

/**
 * Load one split. `samples` keeps a seeded random subset of that many records (all when
 * omitted), so a short run still sees every class.
 */
export async function loadSplit(
  ds: LoadedDataset,
  split: string,
  opts: { samples?: number; seed?: number } = {},
): Promise<LoadedSplit> {
  const s = ds.manifest.splits[split];
  if (!s) {
    throw new Error(
      `${path.join(ds.dir, 'manifest.json')}: no split "${split}" (has ${Object.keys(ds.manifest.splits).join(', ')})`,
    );
  }
  const read = async (key: string) =>
    s.files[key] ? readSplitArray(ds.dir, s.files[key]) : undefined;
  const [w, x, y, gw] = [await read('w'), await read('x'), await read('y'), await read('gw')];
  if (!y) throw new Error(`${ds.dir}: split "${split}" has no labels (y)`);
  const n = y.shape[0];
  const keep =
    opts.samples !== undefined && opts.samples < n
      ? permutation(n, opts.seed ?? 0)
          .slice(0, opts.samples)
          .sort((a, b) => a - b)
      : undefined;
  const rows = <T extends Float32Array | Uint8Array | Int32Array>(a: T, rowSize: number): T => {
    if (!keep) return a;
    const out = new (a.constructor as new (n: number) => T)(keep.length * rowSize);
    keep.forEach((r, i) => out.set(a.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
    return out;
  };
  const imageShape = ds.manifest.imageShape;
  const imageSize = imageShape.reduce((a, b) => a * b, 1);
  const latentShape = ds.manifest.latentShape ?? undefined;
  const latentSize = (latentShape ?? []).reduce((a, b) => a * b, 1);
  const labels = rows(Int32Array.from(y.data as ArrayLike<number>), 1);
  const count = labels.length;
  const latents =
    w && latentShape ? rows(Float32Array.from(w.data as ArrayLike<number>), latentSize) : undefined;
  let images: Float32Array | Uint8Array | undefined;
  if (gw) images = rows(gw.data as Float32Array, imageSize);
  else if (latents && ds.generator) images = generateImages(ds.generator, latents, count);
  const natural = x
    ? new TrainingSet({
        images: rows(x.data as Float32Array | Uint8Array, imageSize),
        imageShape,
        labels,
      })
    : undefined;
  const onManifold = images
    ? new TrainingSet({ images, imageShape, labels, latents, latentShape })
    : natural;
  if (!onManifold) throw new Error(`${ds.dir}: split "${split}" has neither g(w) nor x images`);
  return { onManifold, natural };
}
