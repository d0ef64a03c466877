/**
 * Deterministic batching: the same dataset, seed and options give the same batches in the same
 * order. Batches are tensors (caller disposes): x as float32 [0,1] NHWC, y as int32, and for
 * on-manifold datasets w and g(w) — g(w) read from the stored array or, when the dataset stores
 * none, recomputed from w by the generator batch by batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Generator as LatentGenerator } from '../models/types';
import type { Dataset, DatasetSplit } from './dataset';
import { DataError } from './errors';
import { sizeOf, type NdArray } from './ndarray';
import { shuffled } from './rng';

export interface BatchOptions {
  split: string;
  batchSize: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Shuffle the order (default false: dataset order). */
  shuffle?: boolean;
  /** Use at most this many samples (after shuffling, so a seed picks a random subset). */
  limit?: number;
  /** Use exactly these sample indices (e.g. a balanced subset), before shuffle and limit. */
  indices?: readonly number[];
  /** Include w and g(w) (default: when the dataset has latent codes). */
  onManifold?: boolean;
  /** Generator to recompute g(w) when the dataset does not store it. */
  generator?: LatentGenerator;
  /** Drop a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
}

export interface Batch {
  /** Natural images, float32 in [0,1], [B, H, W, C]. */
  x: tf.Tensor4D;
  /** Labels, int32 [B]. */
  y: tf.Tensor1D;
  /** Latent codes [B, ...latentShape]. */
  w?: tf.Tensor;
  /** On-manifold images g(w), float32 in [0,1]. */
  gw?: tf.Tensor4D;
  /** Dataset indices of the batch's samples. */
  indices: number[];
}

function getSplit(dataset: Dataset, split: string): DatasetSplit {
  const s = dataset.splits[split];
  if (!s) {
    throw new DataError(
      dataset.folder ?? dataset.manifest.name,
      `has no split "${split}" loaded (available: ${Object.keys(dataset.splits).join(', ')})`,
      'splits',
    );
  }
  return s;
}

/** The order of sample indices a batching run visits. */
export function batchOrder(dataset: Dataset, opts: Omit<BatchOptions, 'batchSize'>): number[] {
  const s = getSplit(dataset, opts.split);
  let order = opts.indices ? [...opts.indices] : Array.from({ length: s.count }, (_, i) => i);
  for (const i of order) {
    if (!Number.isInteger(i) || i < 0 || i >= s.count) {
      throw new RangeError(`sample index ${i} is outside split "${opts.split}" (0…${s.count - 1})`);
    }
  }
  if (opts.shuffle) order = shuffled(order, opts.seed ?? 0);
  if (opts.limit !== undefined) order = order.slice(0, Math.max(0, opts.limit));
  return order;
}

/** Rows of an array gathered into a fresh typed array. */
function gather(a: NdArray, idx: readonly number[]): Float32Array | Uint8Array | Int32Array {
  const row = sizeOf(a.shape.slice(1));
  const Ctor = a.data.constructor as new (n: number) => Float32Array | Uint8Array | Int32Array;
  const out = new Ctor(idx.length * row);
  idx.forEach((r, i) => out.set(a.data.subarray(r * row, (r + 1) * row), i * row));
  return out;
}

function imagesTensor(a: NdArray, idx: readonly number[]): tf.Tensor4D {
  const shape = [idx.length, ...a.shape.slice(1)] as [number, number, number, number];
  const data = gather(a, idx);
  if (a.dtype === 'uint8') {
    return tf.tidy(() => tf.tensor4d(Float32Array.from(data), shape).div(255) as tf.Tensor4D);
  }
  return tf.tensor4d(data as Float32Array, shape);
}

export function* batches(dataset: Dataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  const s = getSplit(dataset, opts.split);
  const order = batchOrder(dataset, opts);
  const onManifold = opts.onManifold ?? s.w !== undefined;
  if (onManifold && !s.w) {
    throw new DataError(
      dataset.folder ?? dataset.manifest.name,
      `split "${opts.split}" has no latent codes w (a natural-only dataset)`,
      'w',
    );
  }
  if (onManifold && !s.gw && !opts.generator) {
    throw new DataError(
      dataset.folder ?? dataset.manifest.name,
      `split "${opts.split}" stores no g(w): load the generator (${dataset.manifest.generator?.path ?? 'none named'}) to recompute it`,
      'gw',
    );
  }
  if (onManifold && !s.gw && opts.generator) checkGeneratorFits(opts.generator, dataset);
  for (let start = 0; start < order.length; start += opts.batchSize) {
    const idx = order.slice(start, start + opts.batchSize);
    if (opts.dropRemainder && idx.length < opts.batchSize) break;
    const batch: Batch = {
      x: imagesTensor(s.x, idx),
      y: tf.tensor1d(gather(s.y, idx) as Int32Array, 'int32'),
      indices: idx,
    };
    if (onManifold && s.w) {
      batch.w = tf.tensor(gather(s.w, idx) as Float32Array, [idx.length, ...s.w.shape.slice(1)]);
      batch.gw = s.gw
        ? imagesTensor(s.gw, idx)
        : tf.tidy(() => tf.clipByValue(opts.generator!.generate(batch.w!), 0, 1) as tf.Tensor4D);
    }
    yield batch;
  }
}

/** Throw when a generator's latent or image shape differs from the dataset's. */
export function checkGeneratorFits(generator: LatentGenerator, dataset: Dataset): void {
  const m = dataset.manifest;
  const where = dataset.folder ?? m.name;
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(generator.imageShape, m.imageShape)) {
    throw new DataError(
      where,
      `generator "${generator.name}" makes ${generator.imageShape.join('×')} images but the dataset holds ${m.imageShape.join('×')}`,
      'imageShape',
    );
  }
  if (!m.latentShape || !same(generator.latentShape, m.latentShape)) {
    throw new DataError(
      where,
      `generator "${generator.name}" takes latents of shape [${generator.latentShape.join(', ')}] but the dataset's are [${(m.latentShape ?? []).join(', ')}]`,
      'latentShape',
    );
  }
}

/** Dispose every tensor of a batch. */
export function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.y, b.w, b.gw].filter((t): t is tf.Tensor => t !== undefined));
}

/**
 * g(w) for a whole split, recomputed by the generator in batches (for building or exporting a
 * dataset that stores it). Float32 in [0,1].
 */
export async function computeOnManifold(
  split: DatasetSplit,
  generator: LatentGenerator,
  batchSize = 256,
): Promise<NdArray<'float32'>> {
  if (!split.w) throw new Error(`split "${split.name}" has no latent codes`);
  const row = sizeOf(generator.imageShape);
  const out = new Float32Array(split.count * row);
  const wRow = sizeOf(split.w.shape.slice(1));
  for (let i = 0; i < split.count; i += batchSize) {
    const n = Math.min(batchSize, split.count - i);
    const g = tf.tidy(() => {
      const w = tf.tensor(split.w!.data.subarray(i * wRow, (i + n) * wRow), [
        n,
        ...split.w!.shape.slice(1),
      ]);
      return tf.clipByValue(generator.generate(w), 0, 1);
    });
    out.set(await g.data(), i * row);
    g.dispose();
  }
  return { dtype: 'float32', shape: [split.count, ...generator.imageShape], data: out };
}
