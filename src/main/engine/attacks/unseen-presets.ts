/**
 * Presets of the unseen attacks (Kang et al. 2019, settings of the DMAT paper's Table 2) and of
 * APGD, each with the six calibrated strengths of the reference (ImageNet-100 calibration of
 * `ddkang/advex-uar`) for a strength sweep, and the suites built from them.
 *
 * Units: the reference works in [0,255]; every budget here is converted to the product's units
 * (ALGORITHMS.md): [0,1] pixel units for Fog, Gabor, Snow, L1, L2 and APGD, pixels of displacement
 * for Elastic, quantisation steps for JPEG. Budgets that are totals over the image (L1, JPEG-L1,
 * L2) were set for 256×256×3 images and are rescaled to the audited image size by
 * `scaleBudget`; `budgetScalingSentence` says how, for the report.
 */
import type { Budget } from './types';
import type { AttackPreset } from './presets';

/** Image shape [H, W, C] for which the reference budgets were set (OM-ImageNet in DMAT). */
export const REFERENCE_SHAPE: readonly [number, number, number] = [256, 256, 3];

/**
 * How a budget depends on the number of values N = H·W·C of an image:
 * - `none`: per-value or per-parameter budgets (L∞-type, fog, snow, flow) do not change;
 * - `linear`: totals of absolute values (L1, JPEG-L1) scale with N/N_ref, which keeps the
 *   average change per value fixed;
 * - `sqrt`: L2 radii scale with √(N/N_ref), which keeps the root-mean-square change per value fixed.
 */
export type BudgetScaling = 'none' | 'linear' | 'sqrt';

function valueCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Factor applied to a reference budget (set at REFERENCE_SHAPE) for images of `inputShape`. */
export function budgetScaleFactor(scaling: BudgetScaling, inputShape: readonly number[]): number {
  const ratio = valueCount(inputShape) / valueCount(REFERENCE_SHAPE);
  if (scaling === 'linear') return ratio;
  if (scaling === 'sqrt') return Math.sqrt(ratio);
  return 1;
}

/** A reference budget, already in product units at REFERENCE_SHAPE, rescaled for `inputShape`. */
export function scaleBudget(
  eps: number,
  scaling: BudgetScaling,
  inputShape: readonly number[],
): number {
  return eps * budgetScaleFactor(scaling, inputShape);
}

/** One sentence for the report on how total budgets were adapted to the image size. */
export function budgetScalingSentence(inputShape: readonly number[]): string {
  const n = valueCount(inputShape);
  const ref = valueCount(REFERENCE_SHAPE);
  const lin = budgetScaleFactor('linear', inputShape);
  const sq = budgetScaleFactor('sqrt', inputShape);
  return (
    `Budgets that are totals over the image were set for ${REFERENCE_SHAPE.join('×')} images ` +
    `(${ref} values) and are rescaled to these ${inputShape.join('×')} images (${n} values): ` +
    `L1 and JPEG-L1 totals by N/N_ref = ${lin.toPrecision(3)} (same mean change per value), ` +
    `L2 radii by √(N/N_ref) = ${sq.toPrecision(3)} (same root-mean-square change per value); ` +
    `L∞, Fog, Snow, Gabor, Elastic and JPEG-L∞ budgets are per value and unchanged.`
  );
}

/**
 * For a preset whose budget is a total, one sentence on how it was adapted to `inputShape`
 * (shown next to the budget in the report); undefined for per-value budgets.
 */
export function scalingNote(presetId: string, inputShape: readonly number[]): string | undefined {
  const p = UNSEEN_PRESETS.find((q) => q.id === presetId);
  if (!p || p.scaling === 'none') return undefined;
  const f = budgetScaleFactor(p.scaling, inputShape);
  const rule = p.scaling === 'linear' ? 'N/N_ref' : '√(N/N_ref)';
  return (
    `${p.name} budget set for ${REFERENCE_SHAPE.join('×')} images, scaled by ${rule} = ` +
    `${f.toPrecision(3)} for ${inputShape.join('×')} (N = values per image)`
  );
}

/** An unseen-attack preset: the DMAT setting plus the six calibrated strengths. */
export interface UnseenPreset extends AttackPreset {
  /** Column of the paper's table this preset fills, e.g. "Fog". */
  column: string;
  scaling: BudgetScaling;
  /** DMAT setting, product units at REFERENCE_SHAPE. */
  referenceEps: number;
  /** Six calibrated strengths, product units at REFERENCE_SHAPE, weakest first. */
  sweepEps: readonly number[];
  steps: number;
  /** Step size for a given ε (product units); undefined where the attack has none (Frank-Wolfe). */
  stepFor(eps: number): number | undefined;
  /** Unit of ε in words, shown next to every number. */
  unitLabel: string;
  /** The reference setting in the reference's own units, for the report. */
  referenceNote: string;
}

const px = (v: number) => v / 255;
const UNSEEN_STEPS = 200;
/**
 * Fog, Snow and Gabor step on their own parameters by a fixed 0.002236 whatever ε is; leaving the
 * preset's step undefined lets the attack's default apply, so strength sweeps keep it fixed too.
 */
const attackDefaultStep = () => undefined;
const sqrtStep = (steps: number) => (eps: number) => eps / Math.sqrt(steps);

function preset(
  p: Omit<UnseenPreset, 'budgetFor' | 'options'> & { options?: AttackPreset['options'] },
): UnseenPreset {
  return {
    ...p,
    options: p.options ?? {},
    budgetFor: (shape) => budgetAt(p, p.referenceEps, shape),
  };
}

function budgetAt(
  p: Pick<UnseenPreset, 'scaling' | 'steps' | 'stepFor'>,
  referenceEps: number,
  shape: readonly number[],
): Budget {
  const eps = scaleBudget(referenceEps, p.scaling, shape);
  return { eps, stepSize: p.stepFor(eps), steps: p.steps };
}

/** The paper's unseen columns (Table 2) and JPEG-L∞, in table order. */
export const UNSEEN_PRESETS: readonly UnseenPreset[] = [
  preset({
    id: 'fog',
    attackId: 'fog',
    name: 'Fog',
    column: 'Fog',
    unit: 'pixel [0,1]',
    unitLabel: '[0,1] px (fog blend weight)',
    scaling: 'none',
    referenceEps: px(128),
    sweepEps: [128, 256, 512, 2048, 4096, 8192].map(px),
    steps: UNSEEN_STEPS,
    stepFor: attackDefaultStep,
    referenceNote: 'ε = 128 in [0,255] units, 200 signed steps of 0.002236 on the fog variables',
  }),
  preset({
    id: 'snow',
    attackId: 'snow',
    name: 'Snow',
    column: 'Snow',
    unit: 'pixel [0,1]',
    unitLabel: '[0,1] px (snow weight)',
    scaling: 'none',
    referenceEps: 0.0625,
    sweepEps: [0.0625, 0.125, 0.25, 2, 4, 8],
    steps: UNSEEN_STEPS,
    stepFor: attackDefaultStep,
    referenceNote:
      'ε = 0.0625 in [0,1] units, 200 signed steps of 0.002236 on the flake intensities',
  }),
  preset({
    id: 'elastic',
    attackId: 'elastic',
    name: 'Elastic',
    column: 'Elastic',
    unit: 'attack-specific',
    unitLabel: 'px of displacement',
    scaling: 'none',
    referenceEps: 0.5,
    sweepEps: [0.25, 0.5, 2, 4, 8, 16],
    steps: UNSEEN_STEPS,
    stepFor: sqrtStep(UNSEEN_STEPS),
    referenceNote: 'ε = 0.5 px of flow, 25×25 Gaussian (σ = 3), 200 signed steps of ε/√200',
  }),
  preset({
    id: 'gabor',
    attackId: 'gabor',
    name: 'Gabor',
    column: 'Gabor',
    unit: 'pixel [0,1]',
    unitLabel: '[0,1] px (noise amplitude)',
    scaling: 'none',
    referenceEps: px(12.5),
    sweepEps: [6.25, 12.5, 25, 400, 800, 1600].map(px),
    steps: UNSEEN_STEPS,
    stepFor: attackDefaultStep,
    referenceNote:
      'ε = 12.5 in [0,255] units, 200 signed steps of 0.002236 on the sparse variables',
    // One random sparse draw decides much of the outcome: the per-sample worst of two draws is
    // never weaker than advex-uar's single draw (docs/attacks-vs-advex-uar.md, "Measured").
    options: { restarts: 2 },
  }),
  preset({
    id: 'jpeg',
    attackId: 'jpeg-l1',
    name: 'JPEG',
    column: 'JPEG',
    unit: 'attack-specific',
    unitLabel: 'quantisation steps, L1 total',
    scaling: 'linear',
    referenceEps: 1024,
    sweepEps: [256, 1024, 4096, 16384, 65536, 131072],
    steps: UNSEEN_STEPS,
    stepFor: () => undefined,
    referenceNote:
      'JPEG-L1, ε = 1024 over a 256×256×3 image, ±2 per coefficient, 200 Frank-Wolfe steps',
  }),
  preset({
    id: 'jpeg-linf',
    attackId: 'jpeg-linf',
    name: 'JPEG-L∞',
    column: 'JPEG-L∞',
    unit: 'attack-specific',
    unitLabel: 'quantisation steps, per coefficient',
    scaling: 'none',
    referenceEps: 0.25,
    sweepEps: [0.0625, 0.125, 0.25, 0.5, 1, 2],
    steps: UNSEEN_STEPS,
    stepFor: sqrtStep(UNSEEN_STEPS),
    referenceNote: 'JPEG-L∞, ε = 0.25 quantisation steps, 200 signed steps of ε/√200',
  }),
  preset({
    id: 'l2',
    attackId: 'pgd-l2',
    name: 'L2',
    column: 'L2',
    unit: 'pixel [0,1]',
    unitLabel: '[0,1] px, L2 radius',
    scaling: 'sqrt',
    referenceEps: px(600),
    sweepEps: [150, 300, 600, 1200, 2400, 4800].map(px),
    steps: 50,
    stepFor: (eps) => (2.5 * eps) / 50,
    options: { randomStart: true },
    referenceNote: 'PGD-L2, ε = 600 in [0,255] units on 256×256×3 images, 50 steps',
  }),
  preset({
    id: 'l1',
    attackId: 'l1-fw',
    name: 'L1',
    column: 'L1',
    unit: 'pixel [0,1]',
    unitLabel: '[0,1] px, L1 total',
    scaling: 'linear',
    // Per-value ε ≈ 0.508 in [0,255] units, total over the 256×256×3 reference image.
    referenceEps: px(0.508211) * 256 * 256 * 3,
    sweepEps: [0.063526, 0.127053, 0.508211, 1.016422, 2.032844, 4.065689].map(
      (e) => px(e) * 256 * 256 * 3,
    ),
    steps: UNSEEN_STEPS,
    stepFor: () => undefined,
    referenceNote:
      'Frank-Wolfe L1, ε = 0.508 per value in [0,255] units (total ε·C·H·W), 200 steps',
  }),
];

/** APGD presets (AutoAttack's settings at the paper's L∞ budget ε = 4/255). */
export const APGD_PRESETS: readonly AttackPreset[] = (['ce', 'dlr'] as const).map((loss) => ({
  id: `apgd-${loss}`,
  attackId: `apgd-${loss}`,
  name: `APGD-${loss.toUpperCase()}`,
  unit: 'pixel [0,1]' as const,
  budgetFor: () => ({ eps: px(4), stepSize: 2 * px(4), steps: 100 }),
  options: { restarts: 1 },
}));

export function findUnseenPreset(id: string): AttackPreset | undefined {
  return UNSEEN_PRESETS.find((p) => p.id === id) ?? APGD_PRESETS.find((p) => p.id === id);
}

/** The six calibrated budgets of a preset's strength sweep for images of `inputShape`. */
export function sweepBudgets(presetId: string, inputShape: readonly number[]): Budget[] {
  const p = UNSEEN_PRESETS.find((q) => q.id === presetId);
  if (!p) {
    throw new Error(
      `no strength sweep for "${presetId}"; sweeps exist for ${UNSEEN_PRESETS.map((q) => q.id).join(', ')}`,
    );
  }
  return p.sweepEps.map((e) => budgetAt(p, e, inputShape));
}

/** "reliable" suite: AutoAttack's two APGD losses plus the paper's PGD-50 and MIA (preset ids). */
export const RELIABLE_SUITE: readonly string[] = ['apgd-ce', 'apgd-dlr', 'pgd-50', 'mia-50'];

/** Unseen columns of the "paper" suite, in the paper's Table 2 order (preset ids). */
export const PAPER_UNSEEN_COLUMNS: readonly string[] = [
  'fog',
  'snow',
  'elastic',
  'gabor',
  'jpeg',
  'l2',
  'l1',
];
