/** Formatting with units: every number on screen goes through here. */
export { formatBudget, formatPercent } from '@shared/charts/theme';

export function pct(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return (fraction * 100).toFixed(digits);
}

/** Accuracy with its unit, or a dash alone when there is none yet. */
export function pctUnit(fraction: number | null | undefined, digits = 1): string {
  const v = pct(fraction, digits);
  return v === '—' ? v : `${v} %`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function shape(s: number[] | null | undefined): string {
  return s && s.length ? s.join('×') : '—';
}

/** Short id for tables. */
export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}

export const METHOD_LABELS: Record<string, string> = {
  normal: 'Normal',
  at: 'AT',
  omat: 'OM-AT',
  dmat: 'DMAT',
  trades: 'TRADES',
  'dmat-trades': 'DMAT + TRADES',
};
