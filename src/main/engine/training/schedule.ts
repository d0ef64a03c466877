/**
 * Piecewise-linear learning rate, evaluated every iteration (ALGORITHMS.md §4). The reference
 * knots are given for a 20-epoch run and scaled to the run's epoch count.
 */
export interface LrKnot {
  /** Epoch (fractional allowed) at which the rate equals `value`. */
  epoch: number;
  value: number;
}

/** The reference schedule for 20 epochs: warm-up to 0.4 in one epoch, then decays. */
export const REFERENCE_KNOTS: readonly LrKnot[] = [
  { epoch: 0, value: 0 },
  { epoch: 1, value: 0.4 },
  { epoch: 6, value: 0.04 },
  { epoch: 12, value: 0.004 },
  { epoch: 15, value: 0.0004 },
  { epoch: 20, value: 0.0001 },
];
export const REFERENCE_EPOCHS = 20;

/** Stretch knots defined for `from` epochs to a run of `to` epochs, scaling peak values by `peak`. */
export function scaleKnots(
  knots: readonly LrKnot[],
  to: number,
  opts: { from?: number; peak?: number } = {},
): LrKnot[] {
  const from = opts.from ?? REFERENCE_EPOCHS;
  const maxValue = Math.max(...knots.map((k) => k.value));
  const scale = opts.peak === undefined ? 1 : opts.peak / maxValue;
  return knots.map((k) => ({ epoch: (k.epoch * to) / from, value: k.value * scale }));
}

/** Problems with a knot list, as messages naming the field (empty when valid). */
export function knotProblems(knots: readonly LrKnot[]): string[] {
  const out: string[] = [];
  if (knots.length === 0) out.push('lrKnots: at least one knot is needed');
  knots.forEach((k, i) => {
    if (!Number.isFinite(k.epoch) || k.epoch < 0) out.push(`lrKnots[${i}].epoch must be ≥ 0`);
    if (!Number.isFinite(k.value) || k.value < 0) out.push(`lrKnots[${i}].value must be ≥ 0`);
    if (i > 0 && !(k.epoch > knots[i - 1].epoch)) {
      out.push(`lrKnots[${i}].epoch must be greater than lrKnots[${i - 1}].epoch`);
    }
  });
  return out;
}

/** Learning rate at a (fractional) epoch: linear between knots, constant beyond the ends. */
export function lrAt(knots: readonly LrKnot[], epoch: number): number {
  if (epoch <= knots[0].epoch) return knots[0].value;
  for (let i = 1; i < knots.length; i++) {
    const a = knots[i - 1];
    const b = knots[i];
    if (epoch <= b.epoch)
      return a.value + ((epoch - a.epoch) / (b.epoch - a.epoch)) * (b.value - a.value);
  }
  return knots[knots.length - 1].value;
}

/**
 * Rate for global iteration `step` (0-based) with `itersPerEpoch` iterations per epoch. As in the
 * reference code, iteration i of epoch e uses the rate at e + (i + 1)/itersPerEpoch.
 */
export function lrForStep(knots: readonly LrKnot[], step: number, itersPerEpoch: number): number {
  return lrAt(knots, (step + 1) / itersPerEpoch);
}
