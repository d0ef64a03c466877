/**
 * Gradient attacks on cross-entropy, in image space (δ on x, kept in [0,1]) and in latent space
 * (λ on w, the model under attack is f ∘ g). Both run the shared loop of gradient-loop.ts; a
 * concrete attack only picks its norm, its defaults and, optionally, a step rule.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageAttack, LatentAttack, type Proposal, type ResolvedBudget } from './base';
import { ascend, type StepRule } from './gradient-loop';
import { crossEntropySum } from './losses';
import { DEFAULT_SEED, deriveSeed } from './seeds';
import type { AttackBatch, AttackContext, AttackOptions } from './types';

/** Seed stream used for random starts. */
const START_STREAM = 0;

export abstract class ImageGradientAttack extends ImageAttack {
  /** Whether the attack starts from a random point of the ball unless options say otherwise. */
  protected readonly defaultRandomStart: boolean = false;

  override randomised(options: AttackOptions): boolean {
    return options.randomStart ?? this.defaultRandomStart;
  }

  /** A custom ascent rule for this call (e.g. momentum); the norm's normalisation if undefined. */
  protected makeRule(_options: AttackOptions): StepRule | undefined {
    return undefined;
  }

  protected async run(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    options: AttackOptions,
  ): Promise<Proposal> {
    const { x, y } = batch;
    const seed = options.seed ?? DEFAULT_SEED;
    const start =
      (options.randomStart ?? this.defaultRandomStart)
        ? this.geometry.randomStart(x.shape, budget.eps, deriveSeed(seed, START_STREAM))
        : tf.zerosLike(x);
    const delta = ascend({
      start,
      steps: budget.steps,
      stepSize: budget.stepSize,
      eps: budget.eps,
      geometry: this.geometry,
      objective: (d) =>
        crossEntropySum(ctx.classifier.logits(tf.add(x, d) as tf.Tensor4D, { training: false }), y),
      feasible: (d) => tf.sub(tf.clipByValue(tf.add(x, d), 0, 1), x),
      rule: this.makeRule(options),
    });
    const xAdv = tf.tidy(() => tf.add(x, delta) as tf.Tensor4D);
    delta.dispose();
    return { xAdv };
  }
}

export abstract class LatentGradientAttack extends LatentAttack {
  protected readonly defaultRandomStart: boolean = false;

  override randomised(options: AttackOptions): boolean {
    return options.randomStart ?? this.defaultRandomStart;
  }

  protected async run(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    options: AttackOptions,
  ): Promise<Proposal> {
    const w = batch.w as tf.Tensor;
    const g = ctx.generator as NonNullable<AttackContext['generator']>;
    const seed = options.seed ?? DEFAULT_SEED;
    const start =
      (options.randomStart ?? this.defaultRandomStart)
        ? this.geometry.randomStart(w.shape, budget.eps, deriveSeed(seed, START_STREAM))
        : tf.zerosLike(w);
    const lambda = ascend({
      start,
      steps: budget.steps,
      stepSize: budget.stepSize,
      eps: budget.eps,
      geometry: this.geometry,
      objective: (l) =>
        crossEntropySum(
          ctx.classifier.logits(g.generate(tf.add(w, l), { training: false }), { training: false }),
          batch.y,
        ),
    });
    const wAdv = tf.tidy(() => tf.add(w, lambda));
    lambda.dispose();
    return { wAdv };
  }
}

/** Read a numeric attack option, with a clear message when it is not a finite number. */
export function numberOption(
  attackId: string,
  options: AttackOptions,
  key: string,
  fallback: number,
): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${attackId}: option "${key}" must be a finite number, got ${String(v)}`);
  }
  return v;
}
