/**
 * Batch-norm in training mode as one op. tfjs-layers normalises a training batch with the
 * statistics of `tf.moments` (batch-moments.ts) and `tf.batchNorm`; differentiating that chain
 * takes about fifteen passes over the activations and, in a replica group, one all-reduce for
 * the statistics' gradients. When `tf.batchNorm` receives statistics that batch-moments just
 * computed from the same input, this op takes over: forward is x·a + b per channel, and the
 * gradient is the closed form
 *
 *   dx = γ·r/N · (N·dy − Σdy − x̂·Σ(dy·x̂)),   dγ = Σ dy·x̂,   dβ = Σ dy,   x̂ = (x − μ)·r,
 *
 * r = (σ² + ε)^(−1/2), sums over the batch (all replicas for dx; this replica's shard for dγ and
 * dβ, which the group sums with the other weight gradients): seven passes and one all-reduce.
 * The statistics themselves get no gradient through this path (they are functions of x, and dx
 * above already accounts for them).
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { allReduceInGroup, batchStatisticsOf, type BatchStatistics } from './batch-moments';
import { channelAffine, channelAffine2, channelSums } from './channel-ops';

type BatchNorm = typeof tf.batchNorm;
type Input = tf.Tensor | tf.TensorLike;
const core = createRequire(import.meta.url)('@tensorflow/tfjs-core') as Record<
  'batchNorm' | 'batchNorm2d' | 'batchNorm3d' | 'batchNorm4d',
  BatchNorm
>;
const stock = {
  batchNorm: core.batchNorm,
  batchNorm2d: core.batchNorm2d,
  batchNorm3d: core.batchNorm3d,
  batchNorm4d: core.batchNorm4d,
};

/** Statistics of `x` from batch-moments, over every axis but the channel one, or undefined. */
function statisticsFor(x: Input, mean: Input, variance: Input): BatchStatistics | undefined {
  if (!(x instanceof tf.Tensor) || !(mean instanceof tf.Tensor)) return undefined;
  const s = batchStatisticsOf(mean);
  if (!s || s.x !== x || s.variance !== variance || x.rank < 2) return undefined;
  const allButLast = s.axes.length === x.rank - 1 && s.axes.every((a) => a < x.rank - 1);
  const perChannel = mean.rank === 1 && mean.shape[0] === x.shape[x.rank - 1];
  return allButLast && perChannel ? s : undefined;
}

function trainingBatchNorm(
  x: tf.Tensor,
  s: BatchStatistics,
  mean: tf.Tensor,
  offset: tf.Tensor | undefined,
  scale: tf.Tensor | undefined,
  eps: number,
): tf.Tensor {
  const c = mean.shape[0];
  const inputs = [x, ...(scale ? [scale] : []), ...(offset ? [offset] : [])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xx = args[0] as tf.Tensor;
    save([xx]);
    // y = x·a + b with per-channel a = γ·r, b = β − μ·a: two vectorised passes (wasm's
    // FusedBatchNorm kernel is a scalar loop, about 3× slower on a 4 M-value activation).
    const value = tf.tidy(() => {
      const r = tf.rsqrt(tf.add(s.variance, eps));
      const a = scale ? tf.mul(tf.reshape(scale, [c]), r) : r;
      const b = tf.sub(offset ? tf.reshape(offset, [c]) : tf.zerosLike(mean), tf.mul(mean, a));
      return channelAffine(xx, a, b);
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs] = saved;
        const r = tf.rsqrt(tf.add(s.variance, eps));
        const gamma = scale ? tf.reshape(scale, [c]) : tf.onesLike(mean);
        // This shard's Σdy and Σdy·x; the whole batch's by all-reduce inside a replica group.
        const [sumDy, sumDyX] = channelSums(dy, xs);
        const local = new Float64Array(2 * c);
        local.set(sumDy.dataSync());
        local.set(sumDyX.dataSync(), c);
        const total = allReduceInGroup(local);
        const gSumDy = tf.tensor(Float32Array.from(total.subarray(0, c)), [c]);
        const gSumDyX = tf.tensor(Float32Array.from(total.subarray(c)), [c]);
        // Σ dy·x̂ = r·(Σ dy·x − μ·Σ dy).
        const gSumDyXhat = tf.mul(r, tf.sub(gSumDyX, tf.mul(mean, gSumDy)));
        const a = tf.mul(gamma, r);
        const b = tf.div(tf.mul(tf.neg(tf.mul(a, r)), gSumDyXhat), s.count);
        // dx = dy·a + x·b + cst, with cst = −(a·Σdy)/N − μ·b.
        const cst = tf.sub(tf.div(tf.neg(tf.mul(a, gSumDy)), s.count), tf.mul(mean, b));
        const dx = channelAffine2(dy, xs, a, b, cst);
        const grads = [dx];
        if (scale) {
          const dScale = tf.mul(r, tf.sub(sumDyX, tf.mul(mean, sumDy)));
          grads.push(tf.reshape(dScale, scale.shape));
        }
        if (offset) grads.push(tf.reshape(sumDy, offset.shape));
        return grads;
      },
    };
  });
  return op(...inputs);
}

function patched(name: keyof typeof stock): BatchNorm {
  const original = stock[name];
  return ((x, mean, variance, offset, scale, eps = 0.001) => {
    const s = statisticsFor(x, mean, variance);
    const asTensor = (t: Input | undefined) =>
      t === undefined || t === null ? undefined : t instanceof tf.Tensor ? t : tf.tensor(t);
    if (!s || !(x instanceof tf.Tensor) || x.dtype !== 'float32') {
      return original(x, mean, variance, offset, scale, eps);
    }
    const off = asTensor(offset);
    const sc = asTensor(scale);
    if ((off && off.size !== s.variance.size) || (sc && sc.size !== s.variance.size)) {
      return original(x, mean, variance, offset, scale, eps);
    }
    return trainingBatchNorm(x, s, mean as tf.Tensor, off, sc, eps);
  }) as BatchNorm;
}

let installed = false;

/** Route tf.batchNorm (and its 2d/3d/4d forms) on batch-moments statistics to this op. */
export function installTrainingBatchNorm(): void {
  if (installed) return;
  installed = true;
  for (const name of Object.keys(stock) as (keyof typeof stock)[]) core[name] = patched(name);
}
