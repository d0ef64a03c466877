/**
 * The one attack interface. Every attack, seen or unseen, image-space or latent, is called as
 * `attack.attack(ctx, batch, budget, options)` and returns the adversarial batch plus per-sample
 * success. The base class (see base.ts) owns the bookkeeping: it clips to the budget itself,
 * checks the box, and never trusts what a subclass's `run` returns.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Classifier, Generator } from '../models/types';

export type Space = 'image' | 'latent';
/** The unit every budget is shown with. */
export type BudgetUnit = 'pixel [0,1]' | 'latent' | 'attack-specific';

export interface Budget {
  /** Radius of the threat model (ε for image space, η for latent space). */
  eps: number;
  /** Step size per iteration, same units as eps. */
  stepSize?: number;
  /** Iterations (K in PGD-K). */
  steps?: number;
}

export interface AttackBatch {
  /** Natural or on-manifold images in [0,1], NHWC. For latent attacks, g(w). */
  x: tf.Tensor4D;
  /** Integer labels, int32. */
  y: tf.Tensor1D;
  /** Latent codes, required by latent-space attacks. */
  w?: tf.Tensor;
}

export interface AttackContext {
  classifier: Classifier;
  /** Needed by latent-space attacks (the model under attack is f ∘ g). */
  generator?: Generator;
}

export interface AttackOptions {
  /** Seed for random starts and random attack parameters: same seed, same result. */
  seed?: number;
  randomStart?: boolean;
  /** Runs of the attack with different seeds; a sample counts as broken if any run breaks it. */
  restarts?: number;
  [key: string]: unknown;
}

export interface AttackResult {
  /** Adversarial images in [0,1]; for latent attacks, g(w + λ). */
  xAdv: tf.Tensor4D;
  /** Adversarial latents, for latent attacks. */
  wAdv?: tf.Tensor;
  /** Per sample: true when the classifier is wrong on xAdv. */
  success: boolean[];
  /** Per sample: the predicted class on xAdv. */
  predicted: number[];
  /** Per sample: measured size of the perturbation in the attack's norm and unit. */
  perturbationNorm: number[];
}

export interface Attack {
  /** Stable id, e.g. "pgd-linf". */
  readonly id: string;
  /** Display name, e.g. "PGD-50". */
  readonly name: string;
  readonly space: Space;
  readonly unit: BudgetUnit;
  /** Norm in which the budget is measured: "linf", "l2", "l1" or an attack-specific name. */
  readonly norm: string;
  attack(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: Budget,
    options?: AttackOptions,
  ): Promise<AttackResult>;
  /**
   * Whether a call with these options draws anything at random (a start, kernels, a map), so
   * that another seed can find what this one missed; a deterministic attack gains nothing from
   * restarts.
   */
  randomised(options: AttackOptions): boolean;
  /** True when the attack runs `options.restarts` itself (APGD); otherwise restarts.ts does. */
  readonly handlesRestarts?: boolean;
}
