/**
 * MIA — momentum iterative attack, MI-FGSM (Dong et al., "Boosting Adversarial Attacks with
 * Momentum", 2018). L∞, untargeted, on cross-entropy:
 *
 *   g ← μ·g + ∇/‖∇‖₁ (per sample);  δ ← clip_ε(δ + α·sign g), then x + δ clipped to [0,1].
 *
 * Budget, in [0,1] pixel units: eps, stepSize α (default ε/steps), steps (default 10).
 * Options: `momentum` μ (default 1.0), `randomStart` (default false).
 * Reference: μ = 1.0, no random start, ε = 4/255, α = 1/255, K = 50.
 *
 * Shapes: x [B,H,W,C] in [0,1], y [B] int32. Example:
 *   await new Mia().attack({ classifier }, { x, y }, { eps: 4 / 255, stepSize: 1 / 255, steps: 50 })
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackOptions, Budget } from './types';
import type { ResolvedBudget } from './base';
import { ImageGradientAttack, numberOption } from './gradient-attack';
import type { StepRule } from './gradient-loop';
import { l1Normalize, LINF } from './norms';

/** Momentum accumulator over L1-normalised gradients; the direction is its sign. */
export function momentumRule(mu: number): StepRule {
  let g: tf.Tensor | undefined;
  return {
    direction(grad) {
      const next = tf.keep(g ? tf.add(tf.mul(mu, g), l1Normalize(grad)) : l1Normalize(grad));
      g?.dispose();
      g = next;
      return tf.sign(next);
    },
    dispose() {
      g?.dispose();
      g = undefined;
    },
  };
}

export class Mia extends ImageGradientAttack {
  readonly id = 'mia';
  readonly geometry = LINF;

  constructor(name = 'MIA') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    const steps = b.steps ?? 10;
    return { eps: b.eps, steps, stepSize: b.stepSize ?? b.eps / steps };
  }

  protected override makeRule(options: AttackOptions): StepRule {
    return momentumRule(numberOption(this.id, options, 'momentum', 1.0));
  }
}
