/**
 * Reference settings of the seen attacks (ALGORITHMS.md §2), as named presets. Image budgets are
 * in [0,1] pixel units, latent budgets in latent units; `describe()` says so next to every number.
 */
import type { AttackOptions, Budget, BudgetUnit } from './types';

export interface AttackPreset {
  /** Preset id used in suites and on the command line, e.g. "pgd-50". */
  id: string;
  /** Registry id of the attack family, e.g. "pgd-linf". */
  attackId: string;
  /** Display name, e.g. "PGD-50". */
  name: string;
  unit: BudgetUnit;
  /** Budget for images of shape [H, W, C] (only budgets that are totals depend on it). */
  budgetFor(inputShape: readonly number[]): Budget;
  options: AttackOptions;
}

/** "4/255 ≈ 0.0157" for multiples of 1/255, else the number itself. */
export function formatPixels(v: number): string {
  const k = v * 255;
  if (v > 0 && Math.abs(k - Math.round(k)) < 1e-6)
    return `${Math.round(k)}/255 ≈ ${v.toPrecision(3)}`;
  return `${Number(v.toPrecision(4))}`;
}

/** One line such as "ε = 4/255 ≈ 0.0157 [0,1] px, α = 1/255 ≈ 0.00392, 50 steps, random start". */
export function describeBudget(
  unit: BudgetUnit,
  budget: Budget,
  options: AttackOptions = {},
): string {
  const latent = unit === 'latent';
  const fmt = latent ? (v: number) => `${Number(v.toPrecision(4))}` : formatPixels;
  const unitLabel = latent ? 'latent' : unit === 'pixel [0,1]' ? '[0,1] px' : '(attack units)';
  const parts = [`${latent ? 'η' : 'ε'} = ${fmt(budget.eps)} ${unitLabel}`];
  if (budget.stepSize !== undefined) parts.push(`α = ${fmt(budget.stepSize)}`);
  if (budget.steps !== undefined)
    parts.push(`${budget.steps} step${budget.steps === 1 ? '' : 's'}`);
  if (options.randomStart) parts.push('random start');
  if (typeof options.restarts === 'number' && options.restarts > 1)
    parts.push(`${options.restarts} restarts`);
  if (typeof options.momentum === 'number') parts.push(`μ = ${options.momentum}`);
  return parts.join(', ');
}

/**
 * The DMAT L2 setting is 600 in [0,255] units on 256×256×3 images. An L2 radius grows with the
 * square root of the number of values for the same per-value size, so it is scaled by
 * √(H·W·C / 256·256·3): about 0.149 in [0,1] units for 28×28×1.
 */
export function referenceL2Eps(inputShape: readonly number[]): number {
  const n = inputShape.reduce((a, b) => a * b, 1);
  return (600 / 255) * Math.sqrt(n / (256 * 256 * 3));
}

const px = (k: number) => k / 255;
const fixed = (b: Budget) => () => b;

function pgd(steps: number): AttackPreset {
  return {
    id: `pgd-${steps}`,
    attackId: 'pgd-linf',
    name: `PGD-${steps}`,
    unit: 'pixel [0,1]',
    budgetFor: fixed({ eps: px(4), stepSize: px(1), steps }),
    options: { randomStart: true },
  };
}

function omPgd(steps: number): AttackPreset {
  return {
    id: `om-pgd-${steps}`,
    attackId: 'om-pgd',
    name: `OM-PGD-${steps}`,
    unit: 'latent',
    budgetFor: fixed({ eps: 0.02, stepSize: 0.005, steps }),
    options: { randomStart: true },
  };
}

export const PRESETS: readonly AttackPreset[] = [
  {
    // Goodfellow et al.: one signed step of ε from the clean image (the paper's eq. 2).
    id: 'fgsm',
    attackId: 'fgsm',
    name: 'FGSM',
    unit: 'pixel [0,1]',
    budgetFor: fixed({ eps: px(4), stepSize: px(4), steps: 1 }),
    options: { randomStart: false },
  },
  {
    // Wong et al. ("fast is better than free"): start U(−ε, ε), one step of 1.25ε; the variant
    // the DMAT code evaluates and trains with.
    id: 'fgsm-rs',
    attackId: 'fgsm',
    name: 'FGSM-RS',
    unit: 'pixel [0,1]',
    budgetFor: fixed({ eps: px(4), stepSize: px(5), steps: 1 }),
    options: { randomStart: true },
  },
  pgd(5),
  pgd(50),
  {
    id: 'mia-50',
    attackId: 'mia',
    name: 'MIA-50',
    unit: 'pixel [0,1]',
    budgetFor: fixed({ eps: px(4), stepSize: px(1), steps: 50 }),
    options: { momentum: 1.0, randomStart: false },
  },
  {
    id: 'pgd-l2-50',
    attackId: 'pgd-l2',
    name: 'PGD-L2-50',
    unit: 'pixel [0,1]',
    budgetFor: (shape) => {
      const eps = referenceL2Eps(shape);
      return { eps, stepSize: (2.5 * eps) / 50, steps: 50 };
    },
    options: { randomStart: true },
  },
  {
    id: 'om-fgsm',
    attackId: 'om-fgsm',
    name: 'OM-FGSM',
    unit: 'latent',
    budgetFor: fixed({ eps: 0.02, stepSize: 0.02, steps: 1 }),
    options: { randomStart: false },
  },
  omPgd(5),
  omPgd(50),
];

export function findPreset(id: string): AttackPreset | undefined {
  return PRESETS.find((p) => p.id === id);
}
