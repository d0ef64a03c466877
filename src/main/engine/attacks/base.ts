/**
 * Base classes for every attack (Foolbox-style). `attack()` is the one public entry and does all
 * the bookkeeping; a concrete attack writes only `run()`, which proposes an adversarial batch.
 *
 * The base never trusts `run()`: it projects the proposal back onto the threat model itself
 * (`enforce`), clips images to [0,1], measures the per-sample perturbation in the attack's own
 * norm and unit, and classifies the result. Classifiers are always called with
 * `training: false` (frozen batch-norm statistics, no dropout), so there is no mode to restore.
 *
 * Families:
 *  - `ImageAttack`: perturbation δ = x_adv − x in pixel space, bounded in a norm (L∞, L2, …).
 *  - `LatentAttack`: perturbation λ of the latent code, bounded in L∞, image = g(w + λ).
 *  - Attacks whose budget is on their own parameters (fog, snow, …) extend `AttackBase`
 *    directly and implement `enforce` for their parameterisation.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  Attack,
  AttackBatch,
  AttackContext,
  AttackOptions,
  AttackResult,
  Budget,
  BudgetUnit,
  Space,
} from './types';
import { LINF, type NormGeometry } from './norms';

/** An attack called with inputs it cannot work with (engine error; the CLI shows the message). */
export class AttackInputError extends Error {
  constructor(attackId: string, message: string) {
    super(`${attackId}: ${message}`);
    this.name = 'AttackInputError';
  }
}

/** A budget with every field filled in (defaults resolved by the attack). */
export interface ResolvedBudget {
  eps: number;
  stepSize: number;
  steps: number;
}

/** What `run()` proposes: an image batch (image attacks) and/or a latent batch (latent attacks). */
export interface Proposal {
  xAdv?: tf.Tensor4D;
  wAdv?: tf.Tensor;
}

/** The threat-model projection of a proposal, with the measured per-sample perturbation size. */
export interface Enforced {
  xAdv: tf.Tensor4D;
  wAdv?: tf.Tensor;
  norms: tf.Tensor1D;
}

export abstract class AttackBase implements Attack {
  abstract readonly id: string;
  abstract readonly space: Space;
  abstract readonly unit: BudgetUnit;
  abstract readonly norm: string;
  /** Display name; presets give names such as "PGD-50". */
  name: string;

  constructor(name?: string) {
    this.name = name ?? '';
  }

  async attack(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: Budget,
    options: AttackOptions = {},
  ): Promise<AttackResult> {
    const out = await this.craft(ctx, batch, budget, options);
    const predicted = tf.tidy(() =>
      tf.argMax(ctx.classifier.logits(out.xAdv, { training: false }), 1),
    );
    const predictedArr = Array.from(await predicted.data());
    const norms = Array.from(await out.norms.data());
    const labels = await batch.y.data();
    tf.dispose([predicted, out.norms]);
    return {
      xAdv: out.xAdv,
      wAdv: out.wAdv,
      predicted: predictedArr,
      success: predictedArr.map((p, i) => p !== labels[i]),
      perturbationNorm: norms,
    };
  }

  /**
   * The adversarial batch without classifying it (what adversarial training needs): validated,
   * projected onto the threat model, clipped to [0,1], with per-sample norms. Caller disposes.
   */
  async craft(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: Budget,
    options: AttackOptions = {},
  ): Promise<Enforced> {
    this.validate(ctx, batch, budget);
    const resolved = this.resolveBudget(budget);
    const proposal = await this.run(ctx, batch, resolved, options);
    try {
      return tf.tidy(() => {
        const e = this.enforce(ctx, batch, resolved, proposal);
        return { xAdv: tf.clipByValue(e.xAdv, 0, 1) as tf.Tensor4D, wAdv: e.wAdv, norms: e.norms };
      });
    } finally {
      tf.dispose([proposal.xAdv, proposal.wAdv].filter((t) => t !== undefined));
    }
  }

  /** The budget as the attack runs it, with its default step size and steps filled in. */
  resolve(budget: Budget): ResolvedBudget {
    return this.resolveBudget(budget);
  }

  /** Fill in defaults for step size and number of steps. Override per attack. */
  protected resolveBudget(budget: Budget): ResolvedBudget {
    return { eps: budget.eps, stepSize: budget.stepSize ?? budget.eps, steps: budget.steps ?? 1 };
  }

  /** Propose an adversarial batch. The caller owns (and disposes) the returned tensors. */
  protected abstract run(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    options: AttackOptions,
  ): Promise<Proposal>;

  /**
   * Project a proposal onto the threat model and measure it. Runs inside `tf.tidy`; must not
   * dispose the proposal (the base does).
   */
  protected abstract enforce(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    proposal: Proposal,
  ): Enforced;

  /** Conservative default: assume randomness, so restarts are tried. */
  randomised(_options: AttackOptions): boolean {
    return true;
  }

  protected fail(message: string): never {
    throw new AttackInputError(this.id, message);
  }

  protected validate(ctx: AttackContext, batch: AttackBatch, budget: Budget): void {
    const { x, y } = batch;
    if (x.rank !== 4) this.fail(`images must be NHWC (rank 4), got shape [${x.shape}]`);
    if (y.rank !== 1 || y.shape[0] !== x.shape[0]) {
      this.fail(`labels must have shape [${x.shape[0]}], got [${y.shape}]`);
    }
    const want = ctx.classifier.inputShape;
    if (x.shape.slice(1).some((d, i) => d !== want[i])) {
      this.fail(
        `images have shape [${x.shape.slice(1)}] but classifier "${ctx.classifier.name}" expects [${want}]`,
      );
    }
    if (!Number.isFinite(budget.eps) || budget.eps < 0) {
      this.fail(`budget eps must be a finite number ≥ 0, got ${budget.eps}`);
    }
    if (
      budget.stepSize !== undefined &&
      !(budget.stepSize > 0 && Number.isFinite(budget.stepSize))
    ) {
      this.fail(`budget stepSize must be a finite number > 0, got ${budget.stepSize}`);
    }
    if (budget.steps !== undefined && !(Number.isInteger(budget.steps) && budget.steps >= 1)) {
      this.fail(`budget steps must be an integer ≥ 1, got ${budget.steps}`);
    }
    // Out-of-range pixels mean a preprocessing mix-up: budgets would silently change units.
    const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0], tf.max(x).dataSync()[0]]);
    if (lo < -1e-6 || hi > 1 + 1e-6) {
      this.fail(`images must be in [0,1] pixel units, found values in [${lo}, ${hi}]`);
    }
  }
}

/** Image-space attacks with a norm-ball budget: δ is projected and measured in `geometry`. */
export abstract class ImageAttack extends AttackBase {
  readonly space = 'image' as const;
  readonly unit = 'pixel [0,1]' as const;
  abstract readonly geometry: NormGeometry;

  get norm(): string {
    return this.geometry.id;
  }

  protected enforce(
    _ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    proposal: Proposal,
  ): Enforced {
    if (!proposal.xAdv) this.fail('run() proposed no images');
    const delta = this.geometry.project(tf.sub(proposal.xAdv, batch.x), budget.eps);
    const xAdv = tf.clipByValue(tf.add(batch.x, delta), 0, 1) as tf.Tensor4D;
    return { xAdv, norms: this.geometry.measure(tf.sub(xAdv, batch.x)) };
  }
}

/**
 * Latent-space attacks on f ∘ g: λ is projected onto the L∞ η-ball (no clamp on w itself) and the
 * image is regenerated as g(w + λ), so the adversarial image is exactly on the manifold.
 */
export abstract class LatentAttack extends AttackBase {
  readonly space = 'latent' as const;
  readonly unit = 'latent' as const;
  readonly geometry: NormGeometry = LINF;

  get norm(): string {
    return this.geometry.id;
  }

  protected override validate(ctx: AttackContext, batch: AttackBatch, budget: Budget): void {
    super.validate(ctx, batch, budget);
    if (!ctx.generator) this.fail('a latent attack needs the generator g (the model is f ∘ g)');
    if (!batch.w) this.fail('a latent attack needs the latent codes w of the batch');
    const want = ctx.generator.latentShape;
    const got = batch.w.shape;
    if (got[0] !== batch.x.shape[0] || got.slice(1).some((d, i) => d !== want[i])) {
      this.fail(
        `latent codes have shape [${got}] but generator "${ctx.generator.name}" expects [${batch.x.shape[0]},${want}]`,
      );
    }
  }

  protected enforce(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    proposal: Proposal,
  ): Enforced {
    const w = batch.w as tf.Tensor;
    if (!proposal.wAdv) this.fail('run() proposed no latent codes');
    const lambda = this.geometry.project(tf.sub(proposal.wAdv, w), budget.eps);
    const wAdv = tf.add(w, lambda);
    const xAdv = (ctx.generator as NonNullable<AttackContext['generator']>).generate(wAdv, {
      training: false,
    });
    return { xAdv, wAdv, norms: this.geometry.measure(lambda) };
  }
}
