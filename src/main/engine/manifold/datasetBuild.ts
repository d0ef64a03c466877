/**
 * Building an on-manifold dataset: project every natural image onto the generator's range
 * (project.ts) and store (w, x, y) — and g(w) on request — in the dataset format.
 *
 * Resumable: work happens in `<out>/.build/`. Each finished batch is written as a shard (its
 * latents and per-sample figures, each file atomically) and only then recorded in
 * `progress.json` (also atomic). A killed build therefore loses at most the batch in flight;
 * rerun with the same settings, it skips recorded batches and recomputes the rest, overwriting
 * any unrecorded shard, so nothing is written twice or half. When every batch is done the shards
 * are assembled into the final arrays, the manifest is written last, and `.build/` is removed.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exists, writeFileAtomic } from '../data/atomic';
import { sha256Bytes, sha256File } from '../data/checksum';
import { readNpy, writeNpy } from '../data/npy';
import { sizeOf, type NdArray } from '../data/ndarray';
import type { Generator } from '../models/types';
import { imageBatch, nextTick, orderedBatches } from './batches';
import {
  MANIFEST,
  type ArrayFileEntry,
  type DatasetManifest,
  type SplitQuality,
} from './datasetManifest';
import { ManifoldError } from './errors';
import type { PerceptualDistance } from './featureNetwork';
import { projectBatch, type ProjectionOptions } from './project';
import { classCounts, distribution } from './stats';

export const BUILD_DIR = '.build';
const PROGRESS = 'progress.json';

export interface SplitData {
  /** Natural images, uint8 [N, H, W, C] in 0–255. */
  x: NdArray<'uint8'>;
  /** Labels 0..numClasses-1, [N]. */
  y: Int32Array;
}

export interface DatasetBuildSpec {
  outDir: string;
  name: string;
  numClasses: number;
  classNames: string[];
  /** Folder of the generator; copied to `<out>/generator/` unless it already lies there. */
  generatorDir: string;
  splits: Record<string, SplitData>;
  projection: Omit<ProjectionOptions, 'perceptual'>;
  batchSize: number;
  /** Where projection starts: the encoder's mean (when there is one) or the prior mean 0. */
  init: 'encoder' | 'zeros';
  /** Also store g(w) (float32, 4 bytes per pixel; recomputable from w). */
  storeGw: boolean;
  seed: number;
  provenance: Record<string, unknown>;
}

export interface BuildTools {
  generator: Generator;
  /** VAE encoder: image → [mean, logVar]; used when spec.init is 'encoder'. */
  encoder?: tf.LayersModel;
  perceptual?: PerceptualDistance;
}

export interface BuildProgress {
  split: string;
  batch: number;
  batches: number;
  /** Samples done over all splits, and the total. */
  done: number;
  total: number;
  /** Running means over the samples done in this split. */
  meanL1: number;
  meanPsnr: number;
  /** True for batches found already done in an earlier run. */
  resumed: boolean;
}

interface ProgressFile {
  configKey: string;
  latentShape: number[];
  imageShape: number[];
  splits: Record<string, { count: number; batches: number; done: number[] }>;
  /** Per split and batch: mean objective at start and end. */
  objective: Record<string, Record<string, [number, number]>>;
}

/** sha256 of a generator folder's model files (model.json and weight files), keyed by name. */
export async function generatorFiles(dir: string): Promise<Record<string, string>> {
  const names = (await fs.readdir(dir))
    .filter((f) => f === 'model.json' || f.endsWith('.bin'))
    .sort();
  if (!names.includes('model.json'))
    throw new ManifoldError(`${dir}: no model.json (not a generator folder)`);
  const out: Record<string, string> = {};
  for (const n of names) out[n] = await sha256File(path.join(dir, n));
  return out;
}

function configKey(
  spec: DatasetBuildSpec,
  gen: Generator,
  genFiles: Record<string, string>,
  perceptual?: string,
): string {
  const splits = Object.fromEntries(
    Object.entries(spec.splits).map(([k, s]) => [
      k,
      {
        count: s.y.length,
        x: sha256Bytes(s.x.data),
        y: sha256Bytes(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength)),
      },
    ]),
  );
  return sha256Bytes(
    JSON.stringify({
      splits,
      projection: spec.projection,
      batchSize: spec.batchSize,
      init: spec.init,
      perceptual: perceptual ?? null,
      generator: genFiles,
      latentShape: gen.latentShape,
      seed: spec.seed,
    }),
  );
}

function checkInputs(spec: DatasetBuildSpec, gen: Generator): void {
  const [h, w, c] = gen.imageShape;
  for (const [name, s] of Object.entries(spec.splits)) {
    const [n, ih, iw, ic] = s.x.shape;
    if (s.x.shape.length !== 4 || ih !== h || iw !== w || ic !== c) {
      throw new ManifoldError(
        `${name} images are [${s.x.shape.slice(1).join(', ')}] but the generator ${spec.generatorDir} makes [${h}, ${w}, ${c}] images`,
      );
    }
    if (s.y.length !== n) {
      throw new ManifoldError(`${name} split: ${n} images but ${s.y.length} labels`);
    }
    const bad = s.y.findIndex((y) => !(y >= 0 && y < spec.numClasses));
    if (bad >= 0) {
      throw new ManifoldError(
        `${name} split: label ${s.y[bad]} at index ${bad} is outside 0..${spec.numClasses - 1}`,
      );
    }
  }
}

async function readProgress(file: string): Promise<ProgressFile | undefined> {
  if (!(await exists(file))) return undefined;
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ProgressFile;
  } catch (err) {
    throw new ManifoldError(
      `${file}: unreadable build progress (${(err as Error).message}); remove ${path.dirname(file)} to start over`,
    );
  }
}

const shardName = (split: string, b: number, what: string) =>
  path.join(split, `batch-${String(b).padStart(6, '0')}.${what}.npy`);

/** Project one split batch by batch, recording each finished batch. */
async function projectSplit(
  spec: DatasetBuildSpec,
  tools: BuildTools,
  work: string,
  progress: ProgressFile,
  split: string,
  offset: { done: number; total: number },
  onProgress?: (p: BuildProgress) => void,
): Promise<void> {
  const data = spec.splits[split];
  const batches = orderedBatches(data.y.length, spec.batchSize);
  const record = progress.splits[split];
  const done = new Set(record.done);
  let sumL1 = 0;
  let sumPsnr = 0;
  let count = 0;
  for (const [b, idx] of batches.entries()) {
    if (done.has(b)) {
      const m = await readNpy(path.join(work, shardName(split, b, 'metrics')));
      for (let i = 0; i < idx.length; i++) {
        sumL1 += m.data[i * 3];
        sumPsnr += m.data[i * 3 + 1];
      }
    } else {
      const x = imageBatch(data.x, idx);
      const w0 =
        spec.init === 'encoder' && tools.encoder
          ? tf.tidy(() =>
              (tools.encoder!.apply(x) as tf.Tensor[])[0].reshape([
                idx.length,
                ...tools.generator.latentShape,
              ]),
            )
          : tf.zeros([idx.length, ...tools.generator.latentShape]);
      const r = projectBatch(tools.generator, x, w0, {
        ...spec.projection,
        perceptual: tools.perceptual,
      });
      const wData = (await r.w.data()) as Float32Array;
      tf.dispose([x, w0, r.w, r.gw]);
      const metrics = new Float32Array(idx.length * 3);
      for (let i = 0; i < idx.length; i++) metrics.set([r.l1[i], r.psnr[i], r.loss[i]], i * 3);
      await writeNpy(path.join(work, shardName(split, b, 'w')), {
        dtype: 'float32',
        shape: [idx.length, ...tools.generator.latentShape],
        data: wData,
      });
      await writeNpy(path.join(work, shardName(split, b, 'metrics')), {
        dtype: 'float32',
        shape: [idx.length, 3],
        data: metrics,
      });
      record.done.push(b);
      progress.objective[split][b] = [r.lossHistory[0], r.lossHistory[r.lossHistory.length - 1]];
      await writeFileAtomic(path.join(work, PROGRESS), JSON.stringify(progress));
      for (let i = 0; i < idx.length; i++) {
        sumL1 += r.l1[i];
        sumPsnr += r.psnr[i];
      }
    }
    count += idx.length;
    offset.done += idx.length;
    onProgress?.({
      split,
      batch: b + 1,
      batches: batches.length,
      done: offset.done,
      total: offset.total,
      meanL1: sumL1 / count,
      meanPsnr: sumPsnr / count,
      resumed: done.has(b),
    });
    await nextTick();
  }
}

interface Assembled {
  files: Record<string, ArrayFileEntry>;
  quality: SplitQuality;
}

async function assembleSplit(
  spec: DatasetBuildSpec,
  tools: BuildTools,
  work: string,
  progress: ProgressFile,
  split: string,
): Promise<Assembled> {
  const data = spec.splits[split];
  const n = data.y.length;
  const latent = tools.generator.latentShape;
  const batches = orderedBatches(n, spec.batchSize);
  const w = new Float32Array(n * sizeOf(latent));
  const l1 = new Float32Array(n);
  const psnr = new Float32Array(n);
  for (const [b, idx] of batches.entries()) {
    const ws = await readNpy(path.join(work, shardName(split, b, 'w')));
    const ms = await readNpy(path.join(work, shardName(split, b, 'metrics')));
    if (ws.shape[0] !== idx.length || ms.shape[0] !== idx.length) {
      throw new ManifoldError(
        `${work}: shard ${b} of ${split} has the wrong size; remove ${work} and build again`,
      );
    }
    w.set(ws.data as Float32Array, idx[0] * sizeOf(latent));
    for (let i = 0; i < idx.length; i++) {
      l1[idx[0] + i] = ms.data[i * 3];
      psnr[idx[0] + i] = ms.data[i * 3 + 1];
    }
  }
  const useUint8 = spec.numClasses <= 256;
  const arrays: Record<string, NdArray> = {
    w: { dtype: 'float32', shape: [n, ...latent], data: w },
    x: data.x,
    y: useUint8
      ? { dtype: 'uint8', shape: [n], data: Uint8Array.from(data.y) }
      : { dtype: 'int32', shape: [n], data: data.y },
    l1: { dtype: 'float32', shape: [n], data: l1 },
    psnr: { dtype: 'float32', shape: [n], data: psnr },
  };
  if (spec.storeGw)
    arrays.gw = await generateAll(tools.generator, arrays.w as NdArray<'float32'>, spec.batchSize);
  const files: Record<string, ArrayFileEntry> = {};
  for (const [key, a] of Object.entries(arrays)) {
    const rel = `${split}/${key}.npy`;
    const file = path.join(spec.outDir, rel);
    await writeNpy(file, a);
    files[key] = { path: rel, dtype: a.dtype, shape: a.shape, sha256: await sha256File(file) };
  }
  const objective = Object.entries(progress.objective[split]);
  const weights = objective.map(([b]) => batches[Number(b)].length);
  const wsum = weights.reduce((a, c) => a + c, 0);
  const avg = (k: 0 | 1) => objective.reduce((a, [, v], i) => a + v[k] * weights[i], 0) / wsum;
  const l1d = distribution(l1);
  const psd = distribution(psnr);
  return {
    files,
    quality: {
      count: n,
      meanL1: l1d.mean,
      meanPsnr: psd.mean,
      l1: l1d,
      psnr: psd,
      objective: { start: Math.round(avg(0) * 1e6) / 1e6, end: Math.round(avg(1) * 1e6) / 1e6 },
    },
  };
}

/** g(w) for every row of w, batched, as float32 [N, H, W, C] in [0,1]. */
export async function generateAll(
  gen: Generator,
  w: NdArray<'float32'>,
  batchSize: number,
): Promise<NdArray<'float32'>> {
  const n = w.shape[0];
  const row = sizeOf(gen.imageShape);
  const out = new Float32Array(n * row);
  for (const idx of orderedBatches(n, batchSize)) {
    const img = tf.tidy(() => {
      const wb = tf.tensor(
        w.data.subarray(
          idx[0] * sizeOf(w.shape.slice(1)),
          (idx[idx.length - 1] + 1) * sizeOf(w.shape.slice(1)),
        ),
        [idx.length, ...w.shape.slice(1)],
      );
      return gen.generate(wb).dataSync() as Float32Array;
    });
    out.set(img, idx[0] * row);
    await nextTick();
  }
  return { dtype: 'float32', shape: [n, ...gen.imageShape], data: out };
}

async function copyGenerator(spec: DatasetBuildSpec): Promise<string> {
  const target = path.join(spec.outDir, 'generator');
  if (path.resolve(spec.generatorDir) === path.resolve(target)) return target;
  const tmp = `${target}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.cp(spec.generatorDir, tmp, { recursive: true });
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(tmp, target);
  return target;
}

/**
 * Build (or resume building) a dataset. Returns the manifest written to `<out>/manifest.json`.
 * Throws a ManifoldError when the inputs do not fit the generator or when `<out>/.build/`
 * belongs to a build with other settings.
 */
export async function buildDataset(
  spec: DatasetBuildSpec,
  tools: BuildTools,
  onProgress?: (p: BuildProgress) => void,
): Promise<DatasetManifest> {
  checkInputs(spec, tools.generator);
  if (spec.init === 'encoder' && !tools.encoder) {
    throw new ManifoldError(
      `init "encoder" needs an encoder beside the generator (${spec.generatorDir}/encoder/)`,
    );
  }
  if (await exists(path.join(spec.outDir, MANIFEST))) {
    throw new ManifoldError(
      `${spec.outDir} already holds a finished dataset (${MANIFEST}); choose another --out or remove it`,
    );
  }
  const genFiles = await generatorFiles(spec.generatorDir);
  const key = configKey(spec, tools.generator, genFiles, tools.perceptual?.description);
  const work = path.join(spec.outDir, BUILD_DIR);
  let progress = await readProgress(path.join(work, PROGRESS));
  if (progress && progress.configKey !== key) {
    if (progress.latentShape.join(',') !== tools.generator.latentShape.join(',')) {
      throw new ManifoldError(
        `${work} was started with a generator whose latent shape is [${progress.latentShape.join(', ')}]; this generator's is [${tools.generator.latentShape.join(', ')}]. Use the same generator, or remove ${work} to start over`,
      );
    }
    throw new ManifoldError(
      `${work} belongs to a build with other inputs or settings (images, labels, generator, steps, λ, batch size or seed); rerun with the same ones to resume, or remove ${work} to start over`,
    );
  }
  if (!progress) {
    progress = {
      configKey: key,
      latentShape: tools.generator.latentShape,
      imageShape: tools.generator.imageShape,
      splits: Object.fromEntries(
        Object.entries(spec.splits).map(([k, s]) => [
          k,
          {
            count: s.y.length,
            batches: Math.ceil(s.y.length / spec.batchSize),
            done: [] as number[],
          },
        ]),
      ),
      objective: Object.fromEntries(Object.keys(spec.splits).map((k) => [k, {}])),
    };
    for (const split of Object.keys(spec.splits))
      await fs.mkdir(path.join(work, split), { recursive: true });
    await writeFileAtomic(path.join(work, PROGRESS), JSON.stringify(progress));
  }
  const total = Object.values(spec.splits).reduce((a, s) => a + s.y.length, 0);
  const offset = { done: 0, total };
  for (const split of Object.keys(spec.splits)) {
    await projectSplit(spec, tools, work, progress, split, offset, onProgress);
  }
  const splits: DatasetManifest['splits'] = {};
  const quality: DatasetManifest['quality'] = {};
  for (const split of Object.keys(spec.splits)) {
    const a = await assembleSplit(spec, tools, work, progress, split);
    splits[split] = {
      count: spec.splits[split].y.length,
      classCounts: classCounts(spec.splits[split].y, spec.numClasses),
      files: a.files,
    };
    quality[split] = a.quality;
  }
  await copyGenerator(spec);
  const manifest: DatasetManifest = {
    format: 'dmat-dataset',
    version: 1,
    name: spec.name,
    imageShape: tools.generator.imageShape,
    latentShape: tools.generator.latentShape,
    numClasses: spec.numClasses,
    classNames: spec.classNames,
    generator: { path: 'generator/model.json', sha256: genFiles['model.json'], files: genFiles },
    splits,
    provenance: {
      ...spec.provenance,
      seed: spec.seed,
      projection: {
        objective: 'P(g(w), x) + λ·mean|g(w) − x| (paper eq. 7)',
        ...spec.projection,
        lrSchedule: 'cosine ramp-down',
        optimiser: 'Adam (β1 0.9, β2 0.999), best w per sample kept',
        batchSize: spec.batchSize,
        init: spec.init,
        perceptual: tools.perceptual?.description ?? 'none (L1 only)',
      },
      gwStored: spec.storeGw,
    },
    quality,
  };
  await writeManifest(spec.outDir, manifest);
  await fs.rm(work, { recursive: true, force: true });
  return manifest;
}

export async function writeManifest(dir: string, m: DatasetManifest): Promise<void> {
  await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}
