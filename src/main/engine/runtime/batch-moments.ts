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
 * Batch-norm on statistics from this op becomes one op with its own closed-form gradient
 * (training-batch-norm.ts), so in a training step this gradient is rarely needed.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import type { Collective } from '../parallel/collective';
import { installTrainingBatchNorm } from './training-batch-norm';
import { channelAffine, channelMoments, momentsByOps } from './channel-ops';

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

/** Sum over the replicas of the active group (the values themselves outside a group). */
export function allReduceInGroup(values: Float64Array): Float64Array {
  return group ? group.allReduceSum(values) : values;
}

/** Batch statistics this op produced, by their mean tensor: which input, over how many values. */
export interface BatchStatistics {
  x: tf.Tensor;
  variance: tf.Tensor;
  axes: number[];
  /** Values per channel over the whole batch (every replica's shard). */
  count: number;
}
const produced = new WeakMap<tf.Tensor, BatchStatistics>();

/** The statistics behind `mean` if it came from this op (for the training batch-norm). */
export function batchStatisticsOf(mean: tf.Tensor): BatchStatistics | undefined {
  return produced.get(mean);
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
  // Over every axis but the channel one (batch-norm): the one-pass channel kernels.
  const perChannel = axes.length === x.rank - 1 && axes.every((a) => a < x.rank - 1);
  let count = localCount;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xx = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    // This shard's mean and squared deviations around it (two passes: stable when |mean| ≫ std),
    // combined over the replicas in one exchange (Chan et al.'s pairwise update):
    //   N·mean = Σ n·m_r,   M2 = Σ M2_r + Σ n·m_r² − N·mean².
    const { mean: localMean, m2: localM2 } = perChannel
      ? channelMoments(xx)
      : momentsByOps(xx, axes);
    const parts = new Float64Array(3 * k + 1);
    for (let i = 0; i < k; i++) {
      parts[i] = localCount * localMean[i];
      parts[k + i] = localM2[i];
      parts[2 * k + i] = localCount * localMean[i] * localMean[i];
    }
    parts[3 * k] = localCount;
    const total = allReduceInGroup(parts);
    count = total[3 * k];
    const meanValues = new Float32Array(k);
    const varValues = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      const mu = total[i] / count;
      meanValues[i] = mu;
      varValues[i] = Math.max(0, (total[k + i] + total[2 * k + i] - count * mu * mu) / count);
    }
    const mean = tf.tensor(meanValues, keptShape);
    const value = tf.tensor([...meanValues, ...varValues], [2 * k]);
    save([xx, mean]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m] = saved;
        // Every replica's loss depends on the shared statistics: sum their gradients.
        const g = allReduceInGroup(Float64Array.from(dy.dataSync()));
        const gMean = tf.tensor(
          Float32Array.from(g.subarray(0, k), (v) => v / count),
          keptShape,
        );
        const gVar = tf.tensor(
          Float32Array.from(g.subarray(k), (v) => (2 * v) / count),
          keptShape,
        );
        // dx = gMean + gVar·(x − mean) = x·gVar + (gMean − gVar·mean).
        const shift = tf.sub(gMean, tf.mul(gVar, m));
        if (perChannel) return [channelAffine(xs, tf.reshape(gVar, [k]), tf.reshape(shift, [k]))];
        return [tf.add(tf.mul(xs, gVar), shift)];
      },
    };
  });
  const out = tf.tidy(() => {
    const both = op(x);
    return {
      mean: tf.reshape(tf.slice(both, 0, k), outShape),
      variance: tf.reshape(tf.slice(both, k, k), outShape),
    };
  });
  produced.set(out.mean, { x, variance: out.variance, axes, count });
  return out;
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

/**
 * Replace tfjs's moments with the batch version, and batch-norm on such statistics with the
 * training batch-norm (idempotent; every backend).
 */
export function installBatchMoments(): void {
  if (installed) return;
  installed = true;
  installTrainingBatchNorm();
  core.moments = momentsOverBatch as Moments;
}
