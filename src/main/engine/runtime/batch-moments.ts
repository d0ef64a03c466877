/**
 * Batch statistics for batch-norm in training mode, computed over the whole batch of a
 * data-parallel group: `tf.moments` over axes that include the batch axis is replaced (in
 * tfjs-core's exports, which tfjs-layers reads at call time) by an op whose forward sums are
 * all-reduced across the replicas and whose backward all-reduces the incoming gradients, so a
 * group of replicas computes exactly what one process would on the concatenated batch.
 *
 * Outside a group (or with one replica) the same op runs locally: its gradient is the closed
 * form dx = (g_mean + 2·g_var·(x − mean)) / N, two passes over x instead of the chain of mean,
 * subtract and square gradients. Reductions over other axes (layer norm) keep tfjs's own op.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import type { Collective } from '../parallel/collective';

type Moments = typeof tf.moments;
const core = createRequire(import.meta.url)('@tensorflow/tfjs-core') as { moments: Moments };
const stockMoments: Moments = core.moments;

let group: Collective | undefined;

/** Run `f` (synchronous: a forward and backward pass) with batch statistics shared by `c`. */
export function withGroupBatchStatistics<T>(c: Collective, f: () => T): T {
  const before = group;
  group = c;
  try {
    return f();
  } finally {
    group = before;
  }
}

function allReduce(values: Float32Array): Float32Array {
  return group ? group.allReduceSum(values) : values;
}

function batchMoments(
  x: tf.Tensor,
  axes: number[],
  keepDims: boolean,
): { mean: tf.Tensor; variance: tf.Tensor } {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  const k = tf.util.sizeFromShape(keptShape);
  const localCount = axes.reduce((n, a) => n * x.shape[a], 1);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xx = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    // Pass 1: the mean, from the sums and counts of every replica.
    const sums = new Float32Array(k + 1);
    sums.set(tf.tidy(() => tf.sum(xx, axes).dataSync()));
    sums[k] = localCount;
    const total = allReduce(sums);
    const count = total[k];
    const meanValues = total.subarray(0, k).map((v) => v / count);
    const mean = tf.tensor(meanValues, keptShape);
    // Pass 2: the variance around that mean (two passes: stable when |mean| ≫ std).
    const squares = tf.tidy(() => tf.sum(tf.square(tf.sub(xx, mean)), axes).dataSync());
    const varValues = allReduce(Float32Array.from(squares)).map((v) => v / count);
    const value = tf.tensor(Float32Array.from([...meanValues, ...varValues]), [2 * k]);
    save([xx, mean]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m] = saved;
        // Every replica's loss depends on the shared statistics: sum their gradients.
        const g = allReduce(Float32Array.from(dy.dataSync()));
        const gMean = tf.tensor(
          g.subarray(0, k).map((v) => v / count),
          keptShape,
        );
        const gVar = tf.tensor(
          g.subarray(k).map((v) => (2 * v) / count),
          keptShape,
        );
        // dx = gMean + gVar·(x − mean) = x·gVar + (gMean − gVar·mean): two passes over x.
        return [tf.add(tf.mul(xs, gVar), tf.sub(gMean, tf.mul(gVar, m)))];
      },
    };
  });
  return tf.tidy(() => {
    const both = op(x);
    return {
      mean: tf.reshape(tf.slice(both, 0, k), outShape),
      variance: tf.reshape(tf.slice(both, k, k), outShape),
    };
  });
}

function momentsOverBatch(
  x: tf.Tensor | tf.TensorLike,
  axis: number | number[] | null = null,
  keepDims = false,
): { mean: tf.Tensor; variance: tf.Tensor } {
  if (!(x instanceof tf.Tensor) || x.dtype !== 'float32' || x.rank === 0) {
    return stockMoments(x, axis ?? undefined, keepDims);
  }
  const axes = tf.util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape);
  if (!axes.includes(0)) return stockMoments(x, axis ?? undefined, keepDims);
  return batchMoments(x, axes, keepDims);
}

let installed = false;

export function batchMomentsInstalled(): boolean {
  return installed;
}

/** Replace tfjs's moments with the batch version (idempotent; every backend). */
export function installBatchMoments(): void {
  if (installed) return;
  installed = true;
  core.moments = momentsOverBatch as Moments;
}
