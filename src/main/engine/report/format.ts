/**
 * Number formatting for the report: one function per kind of number, so that every table, the
 * verdict line and the tests print an accuracy, a budget or a duration the same way.
 */
import type { BudgetUnit, Space } from '../attacks/types';

/** Accuracy fraction in [0,1] → "38.88 %" (two decimals, as the paper's tables). */
export function formatAccuracy(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(2)} %`;
}

/** "3888 / 10000". */
export function formatCount(correct: number, total: number): string {
  return `${correct} / ${total}`;
}

/**
 * A budget value without its unit. Pixel budgets that are whole multiples of 1/255 read as
 * "4/255" (the paper's notation); everything else prints with at most four significant digits.
 */
export function formatEps(eps: number, unit: BudgetUnit, _norm: string): string {
  if (!Number.isFinite(eps)) return '—';
  if (unit === 'pixel [0,1]') {
    const over255 = eps * 255;
    const whole = Math.round(over255);
    if (whole > 0 && Math.abs(over255 - whole) < 1e-6) return `${whole}/255`;
  }
  return formatPlain(eps);
}

/** A budget with its unit: "4/255 pixel [0,1]", "0.02 latent", "128 attack-specific". */
export function formatBudget(eps: number, unit: BudgetUnit, norm: string): string {
  return `${formatEps(eps, unit, norm)} ${unit}`;
}

/** ε for image-space threat models, η for latent ones (the paper's notation). */
export function budgetSymbol(space: Space): string {
  return space === 'latent' ? 'η' : 'ε';
}

const NORM_LABELS: Record<string, string> = { linf: 'L∞', l2: 'L2', l1: 'L1' };

export function formatNorm(norm: string): string {
  return NORM_LABELS[norm] ?? norm;
}

/** Up to four significant digits, no trailing zeros, no exponent for ordinary budgets. */
export function formatPlain(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

/** "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const rest = totalS % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(rest).padStart(2, '0')} s`;
}

/** ISO date → "2026-11-24 21:15 UTC" (reports are read in many time zones). */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
