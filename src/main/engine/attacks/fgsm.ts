/**
 * FGSM — fast gradient sign method (Goodfellow et al., "Explaining and Harnessing Adversarial
 * Examples", 2015), with the optional random start of Wong et al. ("Fast is better than free",
 * 2020) that the DMAT code uses. L∞, untargeted, one signed step on cross-entropy.
 *
 * Budget, in [0,1] pixel units: eps (radius), stepSize (default ε). Exactly one step.
 * Option `randomStart` (default false). Presets: `fgsm` is Goodfellow's (ε = 4/255, step ε, no
 * start); `fgsm-rs` is Wong et al.'s (ε = 4/255, start U(−ε, ε), step 5/255 = 1.25ε), the
 * variant of the DMAT code. Without a start, any step ≥ ε lands on the same corner of the ball;
 * with one, the step and the start share the budget, so plain FGSM is usually the stronger
 * attack at the same ε (1.2–1.8 points on the shipped classifiers at ε = 0.1).
 *
 * Shapes: x [B,H,W,C] in [0,1], y [B] int32. Example:
 *   await new Fgsm().attack({ classifier }, { x, y }, { eps: 4 / 255, stepSize: 5 / 255 }, { randomStart: true })
 */
import type { Budget } from './types';
import type { ResolvedBudget } from './base';
import { ImageGradientAttack } from './gradient-attack';
import { LINF } from './norms';

export class Fgsm extends ImageGradientAttack {
  readonly id = 'fgsm';
  readonly geometry = LINF;

  constructor(name = 'FGSM') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    if (b.steps !== undefined && b.steps !== 1)
      this.fail(`FGSM takes exactly one step, got ${b.steps}`);
    return { eps: b.eps, steps: 1, stepSize: b.stepSize ?? b.eps };
  }
}
