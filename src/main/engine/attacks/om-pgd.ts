/**
 * OM-PGD — on-manifold PGD (Lin et al., "Dual Manifold Adversarial Robustness", 2020): PGD on the
 * latent code w of the generator g, attacking f ∘ g:
 *
 *   λ ← clip_η(λ + α·sign ∇_λ CE(f(g(w + λ)), y)),  x_adv = g(w + λ).
 *
 * No clamp on w itself; the image stays exactly on the generator's range.
 * Budget, in latent units: eps η, stepSize α (default η/4), steps K (default 10).
 * Option `randomStart` (default true, U(−η, η)). Reference: η = 0.02, α = 0.005, K = 5 for
 * training, 50 to evaluate.
 *
 * Shapes: w [B, ...latentShape], x = g(w) [B,H,W,C], y [B]. Example:
 *   await new OmPgd().attack({ classifier, generator }, { x, y, w }, { eps: 0.02, stepSize: 0.005, steps: 50 })
 */
import type { Budget } from './types';
import type { ResolvedBudget } from './base';
import { LatentGradientAttack } from './gradient-attack';

export class OmPgd extends LatentGradientAttack {
  readonly id = 'om-pgd';
  protected override readonly defaultRandomStart = true;

  constructor(name = 'OM-PGD') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    const steps = b.steps ?? 10;
    return { eps: b.eps, steps, stepSize: b.stepSize ?? b.eps / 4 };
  }
}
