/**
 * Adversarial inputs for training, crafted by the audit attacks themselves (same code path, same
 * budget enforcement). Attacks call the classifier with training false and differentiate with
 * respect to the input only, so batch-norm statistics stay frozen and no weight gradient exists.
 */
import * as tf from '@tensorflow/tfjs';
import { PgdLinf } from '../../attacks/pgd';
import { OmPgd } from '../../attacks/om-pgd';
import { OmFgsm } from '../../attacks/om-fgsm';
import { ascend } from '../../attacks/gradient-loop';
import { LINF } from '../../attacks/norms';
import { deriveSeed } from '../../attacks/seeds';
import { klSum } from '../kl';
import type { MethodBatch, MethodContext } from './types';

const pgd = new PgdLinf('PGD (training)');
const omPgd = new OmPgd('OM-PGD (training)');
const omFgsm = new OmFgsm('OM-FGSM (training)');

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`this training method needs ${what}`);
  return v;
}

/** x + δ* with δ* from PGD-K (random start) on cross-entropy. */
export async function imageAdversary(
  ctx: MethodContext,
  batch: MethodBatch,
  seed: number,
): Promise<tf.Tensor4D> {
  const budget = required(ctx.imageAttack, 'an image attack budget');
  const out = await pgd.craft(
    { classifier: ctx.attackClassifier ?? ctx.classifier },
    batch,
    budget,
    {
      seed,
      randomStart: true,
    },
  );
  out.norms.dispose();
  return out.xAdv;
}

/** g(w + λ*) with λ* from OM-PGD-K (random start) or OM-FGSM on cross-entropy. */
export async function latentAdversary(
  ctx: MethodContext,
  batch: MethodBatch,
  seed: number,
): Promise<tf.Tensor4D> {
  const budget = required(ctx.latentAttack, 'a latent attack budget');
  const generator = required(ctx.generator, 'the generator');
  const fgsm = budget.kind === 'om-fgsm';
  const out = await (fgsm ? omFgsm : omPgd).craft(
    { classifier: ctx.attackClassifier ?? ctx.classifier, generator },
    batch,
    fgsm ? { eps: budget.eps, stepSize: budget.stepSize } : budget,
    { seed, randomStart: !fgsm },
  );
  tf.dispose([out.norms, out.wAdv!]);
  return out.xAdv;
}

/**
 * TRADES inner maximisation: δ* = argmax KL(f(x) ‖ f(x + δ)) over the L∞ ball, starting from
 * 0.001·N(0,1), signed steps, x + δ kept in [0,1].
 */
export function klImageAdversary(
  ctx: MethodContext,
  batch: MethodBatch,
  seed: number,
): tf.Tensor4D {
  const budget = required(ctx.imageAttack, 'an image attack budget');
  const { x } = batch;
  const attacked = ctx.attackClassifier ?? ctx.classifier;
  const f = (t: tf.Tensor) => attacked.logits(t as tf.Tensor4D, { training: false });
  const nat = tf.tidy(() => f(x));
  const delta = ascend({
    start: tf.tidy(() =>
      tf.mul(0.001, tf.randomNormal(x.shape, 0, 1, 'float32', deriveSeed(seed, 0))),
    ),
    steps: budget.steps,
    stepSize: budget.stepSize,
    eps: budget.eps,
    geometry: LINF,
    objective: (d) => klSum(nat, f(tf.add(x, d))),
    feasible: (d) => tf.sub(tf.clipByValue(tf.add(x, d), 0, 1), x),
  });
  nat.dispose();
  const xAdv = tf.tidy(() => tf.clipByValue(tf.add(x, delta), 0, 1) as tf.Tensor4D);
  delta.dispose();
  return xAdv;
}

/** The latent counterpart for DMAT + TRADES: λ* = argmax KL(f(g(w)) ‖ f(g(w + λ))), ‖λ‖∞ ≤ η. */
export function klLatentAdversary(
  ctx: MethodContext,
  batch: MethodBatch,
  seed: number,
): tf.Tensor4D {
  const budget = required(ctx.latentAttack, 'a latent attack budget');
  const generator = required(ctx.generator, 'the generator');
  const w = required(batch.w, 'latent codes');
  const attacked = ctx.attackClassifier ?? ctx.classifier;
  const f = (t: tf.Tensor) => attacked.logits(t as tf.Tensor4D, { training: false });
  const nat = tf.tidy(() => f(batch.x));
  const lambda = ascend({
    start: tf.tidy(() =>
      tf.mul(0.001, tf.randomNormal(w.shape, 0, 1, 'float32', deriveSeed(seed, 1))),
    ),
    steps: budget.steps,
    stepSize: budget.stepSize,
    eps: budget.eps,
    geometry: LINF,
    objective: (l) => klSum(nat, f(generator.generate(tf.add(w, l), { training: false }))),
  });
  nat.dispose();
  const xAdv = tf.tidy(
    () =>
      tf.clipByValue(
        generator.generate(tf.add(w, LINF.project(lambda, budget.eps)), { training: false }),
        0,
        1,
      ) as tf.Tensor4D,
  );
  lambda.dispose();
  return xAdv;
}

/** A prepared step over fixed inputs, disposing them afterwards. */
export function preparedOver(inputs: tf.Tensor[], loss: () => tf.Scalar) {
  return { loss, dispose: () => tf.dispose(inputs) };
}
