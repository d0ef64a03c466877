/** Minibatch helpers: seeded epochs over index lists and uint8/float arrays turned into tensors. */
import * as tf from '@tensorflow/tfjs';
import { sizeOf, type NdArray } from '../data/ndarray';
import { permutation } from './random';

/** Rows `indices` of an image array as a float tensor in [0,1] (uint8 is divided by 255). */
export function imageBatch(images: NdArray, indices: readonly number[]): tf.Tensor4D {
  const row = sizeOf(images.shape.slice(1));
  const out = new Float32Array(indices.length * row);
  const scale = images.dtype === 'uint8' ? 1 / 255 : 1;
  indices.forEach((idx, i) => {
    const src = images.data.subarray(idx * row, (idx + 1) * row);
    for (let j = 0; j < row; j++) out[i * row + j] = src[j] * scale;
  });
  return tf.tensor4d(out, [indices.length, ...(images.shape.slice(1) as [number, number, number])]);
}

/** Rows `indices` of any array as a float32 tensor, unscaled. */
export function rowsTensor(a: NdArray, indices: readonly number[]): tf.Tensor {
  const row = sizeOf(a.shape.slice(1));
  const out = new Float32Array(indices.length * row);
  indices.forEach((idx, i) => out.set(a.data.subarray(idx * row, (idx + 1) * row), i * row));
  return tf.tensor(out, [indices.length, ...a.shape.slice(1)]);
}

/** Seeded minibatches of 0..n-1 for one epoch; the last partial batch is kept. */
export function epochBatches(n: number, batchSize: number, seed: number): number[][] {
  const p = permutation(n, seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) out.push(p.slice(i, i + batchSize));
  return out;
}

/** Consecutive index ranges 0..n-1 in batches (no shuffling), for evaluation. */
export function orderedBatches(n: number, batchSize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) {
    out.push(Array.from({ length: Math.min(batchSize, n - i) }, (_, j) => i + j));
  }
  return out;
}

/** Yield to the event loop so progress callbacks and signals get a turn during long loops. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
