/**
 * OM-FGSM — on-manifold FGSM (Lin et al., "Dual Manifold Adversarial Robustness", 2020): one
 * signed step on the latent code w of the generator g, attacking f ∘ g:
 *
 *   λ = clip_η(λ₀ + α·sign ∇_λ CE(f(g(w + λ)), y)),  x_adv = g(w + λ).
 *
 * No clamp on w itself. Budget, in latent units: eps η, stepSize α (default η). One step.
 * Option `randomStart` (default false). Reference: η = 0.02.
 *
 * Shapes: w [B, ...latentShape], x = g(w) [B,H,W,C], y [B]. Example:
 *   await new OmFgsm().attack({ classifier, generator }, { x, y, w }, { eps: 0.02 })
 */
import type { Budget } from './types';
import type { ResolvedBudget } from './base';
import { LatentGradientAttack } from './gradient-attack';

export class OmFgsm extends LatentGradientAttack {
  readonly id = 'om-fgsm';

  constructor(name = 'OM-FGSM') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    if (b.steps !== undefined && b.steps !== 1) {
      this.fail(`OM-FGSM takes exactly one step, got ${b.steps}`);
    }
    return { eps: b.eps, steps: 1, stepSize: b.stepSize ?? b.eps };
  }
}
