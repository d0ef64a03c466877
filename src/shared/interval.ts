/**
 * Sampling uncertainty of an accuracy: the Wilson score interval at 95 %. It is the interval
 * recommended over the normal ("Wald") one for proportions near 0 or 1 and small n (Brown, Cai &
 * DasGupta 2001): it never leaves [0,1] and is not empty at 0 % or 100 %. Every accuracy the
 * product shows (screen, PDF, CLI, --json) carries it with its n.
 */

export interface AccuracyInterval {
  /** Confidence level of [low, high]. */
  level: 0.95;
  low: number;
  high: number;
  /** Samples the accuracy was measured on. */
  n: number;
}

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** An interval whose half-width exceeds this (±5 points) gets a visible note. */
export const WIDE_INTERVAL_HALF_WIDTH = 0.05;

/** Wilson interval for `correct` successes out of `n`; null when there is no sample. */
export function wilsonInterval(correct: number, n: number): AccuracyInterval | null {
  if (!(n > 0) || !Number.isFinite(correct)) return null;
  const p = Math.min(1, Math.max(0, correct / n));
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    level: 0.95,
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
    n,
  };
}

/** The interval of an accuracy stored as a fraction of `n` samples (the count is recovered). */
export function accuracyInterval(
  accuracy: number | null | undefined,
  n: number,
): AccuracyInterval | null {
  if (accuracy === null || accuracy === undefined || !Number.isFinite(accuracy)) return null;
  return wilsonInterval(Math.round(accuracy * n), n);
}

export function isWide(i: AccuracyInterval | null | undefined): boolean {
  return !!i && (i.high - i.low) / 2 > WIDE_INTERVAL_HALF_WIDTH;
}

/** "54.2–79.1 %", the interval alone in percent. */
export function formatInterval(i: AccuracyInterval | null | undefined, digits = 1): string {
  if (!i) return '—';
  return `${(100 * i.low).toFixed(digits)}–${(100 * i.high).toFixed(digits)} %`;
}

/** The note shown once under a table whose intervals are wider than ±5 points. */
export function wideIntervalNote(
  intervals: readonly (AccuracyInterval | null | undefined)[],
): string | null {
  const wide = intervals.filter(isWide) as AccuracyInterval[];
  if (wide.length === 0) return null;
  const widest = Math.max(...wide.map((i) => (i.high - i.low) / 2));
  const n = Math.min(...wide.map((i) => i.n));
  return (
    `With ${n} samples an accuracy is uncertain by up to ±${(100 * widest).toFixed(1)} points ` +
    `(95 % Wilson interval): differences smaller than that are not evidence; audit more samples ` +
    `for a tighter estimate.`
  );
}
