/**
 * Reads a stored audit into ReportData. Accuracies are the stored ones, never recomputed for
 * display; the counts behind them come from the stored per-sample outcomes, which are checked
 * against the stored accuracies so a report can never print a number the store does not hold.
 */
import type { Store } from '../../store/index';
import { worstCase } from '../audit/outcomes';
import { attacksOf } from './load/attacks';
import { finishedAudit, ReportInputError, str } from './load/audit-record';
import { comparisonsOf } from './load/comparisons';
import { galleryOf } from './load/gallery';
import { reproducibilityOf } from './load/reproducibility';
import { sanityOf } from './load/sanity';
import {
  REPORT_SCHEMA_VERSION,
  type ReportClassRow,
  type ReportConfusion,
  type ReportData,
} from './types';

export { ReportInputError } from './load/audit-record';
export { CHECK_TITLES } from './load/sanity';
export { configHashOf } from './load/reproducibility';

export interface LoadReportOptions {
  /** Further audits (other models, same attacks) shown as comparison tables. */
  compareWith?: string[];
  title?: string;
  /** Gallery rows kept per attack. */
  galleryPerAttack?: number;
  /** App version for the appendix when the audit did not record one. */
  appVersion?: string;
  /** Fixed "generated at" time (reproducible output in tests); now by default. */
  generatedAt?: string;
}

/** `correct` of `total`, refused when it does not give the stored accuracy. */
function checkedCount(
  auditId: string,
  what: string,
  correct: number,
  total: number,
  stored: number,
) {
  if (Math.abs(correct / total - stored) > 0.5 / total) {
    throw new ReportInputError(
      `audit "${auditId}": stored ${what} accuracy ${stored} disagrees with its per-sample outcomes (${correct} / ${total})`,
    );
  }
  return { correct, total, accuracy: stored };
}

/** Clean and worst-case counts per true class, classes in index order. */
export function perClassOf(
  labels: readonly number[],
  cleanCorrect: readonly boolean[],
  robust: readonly boolean[],
  className: (k: number) => string,
): ReportClassRow[] {
  const rows = new Map<number, ReportClassRow>();
  labels.forEach((y, i) => {
    const row = rows.get(y) ?? {
      className: className(y),
      total: 0,
      cleanCorrect: 0,
      worstCorrect: 0,
    };
    row.total += 1;
    if (cleanCorrect[i]) row.cleanCorrect += 1;
    if (robust[i]) row.worstCorrect += 1;
    rows.set(y, row);
  });
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

/** Clean and strongest-attack confusion matrices; the strongest is the lowest accuracy. */
export function confusionOf(
  outcomes: {
    labels: number[];
    cleanPredicted: number[];
    attacks: { key: string; predicted: number[] }[];
  },
  attacks: readonly { key: string; name: string; accuracy: number }[],
  numClasses: number,
): ReportConfusion[] {
  const k = Math.max(numClasses, ...outcomes.labels.map((y) => y + 1));
  if (k < 2 || k > 20) return [];
  const count = (predicted: readonly number[]) => {
    const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    outcomes.labels.forEach((y, i) => {
      const p = predicted[i];
      if (p >= 0 && p < k) m[y][p] += 1;
    });
    return m;
  };
  const out: ReportConfusion[] = [
    { source: 'clean images', counts: count(outcomes.cleanPredicted) },
  ];
  const strongest = [...attacks].sort((a, b) => a.accuracy - b.accuracy)[0];
  const column = strongest && outcomes.attacks.find((a) => a.key === strongest.key);
  if (column) out.push({ source: `under ${strongest.name}`, counts: count(column.predicted) });
  return out;
}

/** Mean L1 and PSNR of g(w) against x, when the dataset recorded both as numbers. */
function projectionOf(q: { meanL1?: unknown; meanPsnr?: unknown } | undefined) {
  const { meanL1, meanPsnr } = q ?? {};
  return typeof meanL1 === 'number' &&
    typeof meanPsnr === 'number' &&
    Number.isFinite(meanL1 + meanPsnr)
    ? { meanL1, meanPsnr }
    : undefined;
}

export function loadReportData(
  store: Store,
  auditId: string,
  opts: LoadReportOptions = {},
): ReportData {
  const audit = finishedAudit(store, auditId);
  const attacks = store.attackResults.list(auditId);
  const outcomes = store.outcomes.load(auditId);
  const total = outcomes.sampleIndices.length;
  if (total === 0)
    throw new ReportInputError(`audit "${auditId}" has no per-sample outcomes stored`);
  const robust = worstCase(outcomes);
  const clean = checkedCount(
    auditId,
    'clean',
    outcomes.cleanCorrect.filter(Boolean).length,
    total,
    audit.standardAccuracy as number,
  );
  const worst = checkedCount(
    auditId,
    'worst-case',
    robust.robust,
    total,
    audit.worstCaseAccuracy as number,
  );

  const model = audit.modelId ? store.models.find(audit.modelId) : undefined;
  const dataset = audit.datasetId ? store.datasets.find(audit.datasetId) : undefined;
  const generator = dataset?.generatorModelId
    ? store.models.find(dataset.generatorModelId)
    : undefined;
  const classNames = model?.classNames.length ? model.classNames : (dataset?.classNames ?? []);
  const className = (k: number) => classNames[k] ?? `class ${k}`;
  const compareWith = opts.compareWith ?? [];

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: opts.title,
    audit: { id: audit.id, status: audit.status, createdAt: audit.createdAt },
    model: {
      name: audit.modelName,
      architecture: model?.architecture ?? undefined,
      method: model ? str(model.provenance.method) : undefined,
      checksum: model?.sha256,
    },
    dataset: {
      name: audit.datasetName,
      split: audit.split,
      samples: total,
      imageSource: audit.images,
      projection: projectionOf(dataset?.quality[audit.split]),
    },
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    clean,
    attacks: attacksOf(audit.suite, attacks, store.sanityFlags.list(auditId)),
    worstCase: { ...worst, attackIds: attacks.map((a) => a.key) },
    perClass: perClassOf(outcomes.labels, outcomes.cleanCorrect, robust.perSample, className),
    confusion: confusionOf(outcomes, attacks, classNames.length),
    sweeps: store.sweeps.list(auditId).map((c) => ({
      attackId: c.preset,
      attackName: c.name,
      norm: c.norm,
      unit: c.unit,
      points: c.points,
    })),
    comparisons:
      compareWith.length > 0
        ? comparisonsOf(store, [audit, ...compareWith.map((id) => finishedAudit(store, id))])
        : [],
    sanity: sanityOf({
      status: audit.status,
      sanityFlags: store.sanityFlags.list(auditId),
      attacks,
      curves: store.sweeps.list(auditId),
    }),
    gallery: galleryOf(store, auditId, attacks, className, opts.galleryPerAttack ?? 2),
    reproducibility: reproducibilityOf(audit, { model, dataset, generator }, opts.appVersion),
  };
}
