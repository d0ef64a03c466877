/**
 * One training step of one replica on its shard of the batch: craft the shard's adversarial
 * inputs, differentiate its share of the loss (batch-norm statistics shared by the group), sum
 * the weight gradients of all replicas, and apply the same update everywhere.
 *
 * Each replica's loss is its shard's mean loss weighted by shard size / batch size, so the sum
 * over replicas is the mean loss of the whole batch, and so are the summed gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { MethodBatch, MethodContext, TrainingMethodSpec } from '../training/methods/types';
import type { SgdMomentum } from '../training/optimizer';
import { withGroupBatchStatistics } from '../runtime/batch-moments';
import type { Collective } from './collective';

export interface ReplicaStepOptions {
  vars: tf.Variable[];
  optimizer: SgdMomentum;
  lr: number;
  /** Seed of this replica's random draws (random starts) for this step. */
  seed: number;
  /** Shard size / batch size. */
  weight: number;
  collective: Collective;
}

/** Returns the loss of the whole batch (the same on every replica). */
export async function replicaTrainingStep(
  spec: TrainingMethodSpec,
  ctx: MethodContext,
  shard: MethodBatch,
  o: ReplicaStepOptions,
): Promise<number> {
  const prepared = await spec.prepare(ctx, shard, o.seed);
  try {
    const { value, grads } = withGroupBatchStatistics(o.collective, () =>
      tf.variableGrads(() => tf.mul(prepared.loss(), o.weight) as tf.Scalar, o.vars),
    );
    const sizes = o.vars.map((v) => v.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const flat = new Float32Array(total + 1);
    // Variables the loss does not reach get no update, as in a single process.
    const reached = o.vars.map((v) => v.name in grads);
    let offset = 0;
    o.vars.forEach((v, i) => {
      const g = grads[v.name];
      if (g) flat.set(g.dataSync(), offset);
      offset += sizes[i];
    });
    flat[total] = value.dataSync()[0];
    tf.dispose([value, grads]);
    const summed = o.collective.allReduceSum(flat);
    const summedGrads = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      let at = 0;
      o.vars.forEach((v, i) => {
        if (reached[i])
          out[v.name] = tf.tensor(Float32Array.from(summed.subarray(at, at + sizes[i])), v.shape);
        at += sizes[i];
      });
      return out;
    });
    o.optimizer.apply(o.vars, summedGrads, o.lr);
    tf.dispose(Object.values(summedGrads));
    return summed[total];
  } finally {
    prepared.dispose();
  }
}
