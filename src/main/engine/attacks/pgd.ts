/**
 * PGD — projected gradient descent (Madry et al., "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", 2018). Untargeted, maximises cross-entropy on the true label.
 *
 * L∞ (`pgd-linf`): δ ← clip_ε(δ + α·sign ∇), then x + δ clipped to [0,1].
 * L2  (`pgd-l2`):  δ ← Π_ε(δ + α·∇/‖∇‖₂), then x + δ clipped to [0,1].
 *
 * Budget, in [0,1] pixel units: eps (radius), stepSize α (default 2.5·ε/steps), steps K
 * (default 10). Option `randomStart` (default true): start uniformly in the ball.
 * Reference settings (ALGORITHMS.md §2): ε = 4/255, α = 1/255, K = 5 for training, 50 to evaluate.
 *
 * PGD-L2 is also the unseen "L2" column (Kang et al.): advex-uar's pgd_attack.py with norm 'l2'
 * takes the same steps (start uniform in the ball, ∇/‖∇‖₂, projection, box) in [0,255] units;
 * the only difference is the unit of ε (here [0,1], a radius over all C·H·W values).
 *
 * Shapes: x [B,H,W,C] in [0,1], y [B] int32. Example:
 *   await new PgdLinf().attack({ classifier }, { x, y }, { eps: 4 / 255, stepSize: 1 / 255, steps: 50 })
 */
import type { Budget } from './types';
import type { ResolvedBudget } from './base';
import { ImageGradientAttack } from './gradient-attack';
import { L2, LINF } from './norms';

function pgdBudget(b: Budget): ResolvedBudget {
  const steps = b.steps ?? 10;
  return { eps: b.eps, steps, stepSize: b.stepSize ?? (2.5 * b.eps) / steps };
}

export class PgdLinf extends ImageGradientAttack {
  readonly id = 'pgd-linf';
  readonly geometry = LINF;
  protected override readonly defaultRandomStart = true;

  constructor(name = 'PGD') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    return pgdBudget(b);
  }
}

export class PgdL2 extends ImageGradientAttack {
  readonly id = 'pgd-l2';
  readonly geometry = L2;
  protected override readonly defaultRandomStart = true;

  constructor(name = 'PGD-L2') {
    super(name);
  }

  protected override resolveBudget(b: Budget): ResolvedBudget {
    return pgdBudget(b);
  }
}
