/**
 * Reads a stored audit into ReportData. Accuracies are the stored ones, never recomputed for
 * display; the counts behind them come from the stored per-sample outcomes, and the worst case is
 * checked against them so a report can never print a number the store does not hold.
 */
import { createHash } from 'node:crypto';
import type { AttackResultInfo, SanityFlag, SuiteDefinition } from '../../../shared/api';
import type { Store } from '../../store/index';
import type { AuditRecord } from '../../store/audits';
import { findPreset as findSeenPreset, type AttackPreset } from '../attacks/presets';
import { findUnseenPreset } from '../attacks/unseen-presets';
import { worstCase } from '../audit/outcomes';
import {
  REPORT_SCHEMA_VERSION,
  type ReportAttackResult,
  type ReportChecksum,
  type ReportComparison,
  type ReportData,
  type ReportGalleryItem,
  type ReportImage,
  type ReportSanityFlag,
} from './types';

/** An audit that cannot be reported; the message names the audit and what is wrong. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

export interface LoadReportOptions {
  /** Further audits (other models, same attacks) shown as a comparison table. */
  compareWith?: string[];
  title?: string;
  /** Gallery rows kept per attack. */
  galleryPerAttack?: number;
  /** App version for the appendix when the audit did not record one. */
  appVersion?: string;
  /** Fixed "generated at" time (reproducible output in tests); now by default. */
  generatedAt?: string;
}

/**
 * Titles for the checks the audit engine runs (engine/audit/sanity.ts, SANITY_CHECKS; kept as
 * strings here so reading a report never loads tfjs); unknown ids are humanised.
 */
export const CHECK_TITLES: Record<string, string> = {
  'non-finite-gradients': 'Non-finite input gradients',
  'zero-gradients': 'Zero input gradients',
  'nondeterministic-outputs': 'Outputs change for the same input',
  'probability-outputs': 'Model outputs probabilities, not logits',
  'accuracy-not-falling': 'Accuracy does not fall as the budget grows',
  'noise-beats-gradient-attack': 'Random noise beats a gradient attack',
};

function humanise(id: string): string {
  const words = id.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function sanityOf(flags: SanityFlag[], attacks: AttackResultInfo[]): ReportSanityFlag[] {
  return flags.map((f) => {
    const attack = f.attackKey ? attacks.find((a) => a.key === f.attackKey) : undefined;
    const title = CHECK_TITLES[f.check] ?? humanise(f.check);
    return {
      code: f.check,
      severity: f.severity === 'error' ? 'fail' : f.severity,
      title: attack ? `${title} (${attack.name})` : title,
      explanation: f.message,
    };
  });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array, what: string): { width: number; height: number } {
  const view = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (view.length < 24 || view.toString('latin1', 12, 16) !== 'IHDR') {
    throw new ReportInputError(`${what} is not a PNG image`);
  }
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

function imageOf(base64: string, what: string): ReportImage {
  const png = new Uint8Array(Buffer.from(base64, 'base64'));
  return { ...pngSize(png, what), png };
}

const findPreset = (id: string): AttackPreset | undefined =>
  findSeenPreset(id) ?? findUnseenPreset(id);

/** A preset's extra descriptions (unseen presets carry them), read without assuming the type. */
function presetText(id: string, field: 'unitLabel' | 'referenceNote'): string | undefined {
  const preset = findPreset(id) as (AttackPreset & Record<string, unknown>) | undefined;
  const value = preset?.[field];
  return typeof value === 'string' ? value : undefined;
}

function randomStartOf(suite: SuiteDefinition, a: AttackResultInfo): boolean | undefined {
  const spec = suite.attacks.find((s) => (s.label ?? findPreset(s.preset)?.name) === a.key);
  const option = spec?.options?.randomStart ?? findPreset(a.preset)?.options.randomStart;
  return typeof option === 'boolean' ? option : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

/** sha256 over the canonical audit configuration, when the audit did not store its own hash. */
export function configHashOf(config: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')}`;
}

function finishedAudit(store: Store, auditId: string): AuditRecord {
  const audit = store.audits.find(auditId);
  if (!audit) throw new ReportInputError(`audit "${auditId}" not found in ${store.path}`);
  if (
    audit.status !== 'done' ||
    audit.standardAccuracy === null ||
    audit.worstCaseAccuracy === null
  ) {
    throw new ReportInputError(
      `audit "${auditId}" is ${audit.status}; only a finished audit (status done) can be reported`,
    );
  }
  return audit;
}

/** Column groups of the comparison, in the paper's order: seen attacks, then unseen ones. */
const COMPARISON_GROUPS: {
  title: string;
  families: AttackResultInfo['family'][];
  withTotals: boolean;
}[] = [
  { title: 'Seen attacks (paper Table 1 layout)', families: ['seen'], withTotals: true },
  { title: 'Unseen attacks (paper Table 2 layout)', families: ['unseen'], withTotals: false },
  { title: 'Further attacks', families: ['autoattack', 'baseline'], withTotals: false },
];

function comparisonsOf(store: Store, audits: AuditRecord[]): ReportComparison[] {
  const results = audits.map((a) => store.attackResults.list(a.id));
  const rowLabel = (a: AuditRecord) => {
    const model = a.modelId ? store.models.find(a.modelId) : undefined;
    const method = model ? str(model.provenance.method) : undefined;
    // The paper's Table 4 evaluates natural images: say so when the audits differ.
    const images = a.images !== audits[0].images ? `${a.images} images` : undefined;
    return { model: a.modelName, method: [method, images].filter(Boolean).join(', ') || undefined };
  };
  const tables: ReportComparison[] = [];
  for (const group of COMPARISON_GROUPS) {
    const names: string[] = [];
    for (const list of results) {
      for (const r of list)
        if (group.families.includes(r.family) && !names.includes(r.name)) names.push(r.name);
    }
    if (names.length === 0 && !group.withTotals) continue;
    tables.push({
      title: group.title,
      caption: group.withTotals
        ? 'Standard is the clean accuracy; Worst case counts a sample as robust only if every attack of its audit failed on it.'
        : undefined,
      columns: group.withTotals ? ['Standard', ...names, 'Worst case'] : names,
      rows: audits.map((a, i) => {
        const byName = names.map((n) => results[i].find((r) => r.name === n)?.accuracy ?? null);
        return {
          ...rowLabel(a),
          isSubject: i === 0,
          accuracies: group.withTotals
            ? [a.standardAccuracy, ...byName, a.worstCaseAccuracy]
            : byName,
        };
      }),
    });
  }
  return tables;
}

export function loadReportData(
  store: Store,
  auditId: string,
  opts: LoadReportOptions = {},
): ReportData {
  const audit = finishedAudit(store, auditId);
  const attacks = store.attackResults.list(auditId);
  const outcomes = store.outcomes.load(auditId);
  if (outcomes.sampleIndices.length === 0) {
    throw new ReportInputError(`audit "${auditId}" has no per-sample outcomes stored`);
  }
  const total = outcomes.sampleIndices.length;
  const cleanCorrect = outcomes.cleanCorrect.filter(Boolean).length;
  const worst = worstCase(outcomes);
  const stored = audit.worstCaseAccuracy as number;
  if (Math.abs(worst.accuracy - stored) > 0.5 / total) {
    throw new ReportInputError(
      `audit "${auditId}": stored worst-case accuracy ${stored} disagrees with its per-sample outcomes (${worst.robust} / ${total})`,
    );
  }

  const storedClean = audit.standardAccuracy as number;
  if (Math.abs(cleanCorrect / total - storedClean) > 0.5 / total) {
    throw new ReportInputError(
      `audit "${auditId}": stored clean accuracy ${storedClean} disagrees with its per-sample outcomes (${cleanCorrect} / ${total})`,
    );
  }

  const model = audit.modelId ? store.models.find(audit.modelId) : undefined;
  const dataset = audit.datasetId ? store.datasets.find(audit.datasetId) : undefined;
  const generator = dataset?.generatorModelId
    ? store.models.find(dataset.generatorModelId)
    : undefined;
  const classNames = model?.classNames.length ? model.classNames : (dataset?.classNames ?? []);
  const className = (k: number) => classNames[k] ?? `class ${k}`;

  const reportAttacks: ReportAttackResult[] = attacks.map((a) => ({
    id: a.key,
    name: a.name,
    space: a.space,
    norm: a.budget.norm,
    unit: a.budget.unit,
    eps: a.budget.eps,
    stepSize: a.budget.stepSize,
    steps: a.budget.steps,
    randomStart: randomStartOf(audit.suite, a),
    seen: a.family === 'seen',
    inWorstCase: true,
    correct: a.correct,
    total: a.total,
    accuracy: a.accuracy,
    timeMs: a.timeMs,
    budgetNote: a.budget.scaling,
    unitDetail: presetText(a.preset, 'unitLabel'),
    referenceNote: presetText(a.preset, 'referenceNote'),
  }));

  const perAttack = opts.galleryPerAttack ?? 2;
  const seen = new Map<string, number>();
  const gallery: ReportGalleryItem[] = [];
  for (const g of store.gallery.list(auditId)) {
    const n = seen.get(g.attackKey) ?? 0;
    if (n >= perAttack) continue;
    seen.set(g.attackKey, n + 1);
    const attack = attacks.find((a) => a.key === g.attackKey);
    const what = `gallery image of sample ${g.sampleIndex} (${g.attackKey}) in audit "${auditId}"`;
    gallery.push({
      attackId: g.attackKey,
      attackName: attack?.name ?? g.attackKey,
      label: className(g.label),
      cleanPrediction: className(g.cleanPredicted),
      adversarialPrediction: className(g.adversarialPredicted),
      clean: imageOf(g.clean, what),
      adversarial: imageOf(g.adversarial, what),
      difference: imageOf(g.difference, what),
      differenceGain: g.differenceScale,
      perturbationNorm: g.perturbationNorm,
    });
  }

  const repro = { ...audit.reproducibility };
  const take = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = str(repro[k]);
      delete repro[k];
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const config = {
    suite: audit.suite,
    split: audit.split,
    images: audit.images,
    samples: audit.samples,
    seed: audit.seed,
    batchSize: audit.batchSize,
    workers: audit.workers,
  };
  const seeds: Record<string, number> = { audit: audit.seed };
  for (const [k, v] of Object.entries(repro)) {
    if (/seed/i.test(k) && typeof v === 'number') {
      if (!(k === 'seed' && v === audit.seed)) seeds[k] = v;
      delete repro[k];
    }
  }
  // Facts already printed with the configuration are not repeated among the extras.
  for (const [k, v] of Object.entries(config)) {
    if (repro[k] === v) delete repro[k];
  }
  const datasetChecksum: ReportChecksum = {
    name: `${audit.datasetName} (${audit.split})`,
    role: 'dataset',
    checksum: take('datasetSha256', 'datasetChecksum') ?? dataset?.sha256 ?? 'not recorded',
  };
  const modelChecksums: ReportChecksum[] = [
    {
      name: audit.modelName,
      role: 'classifier',
      checksum: take('modelSha256', 'modelChecksum') ?? model?.sha256 ?? 'not recorded',
    },
  ];
  const generatorChecksum = take('generatorSha256', 'generatorChecksum') ?? generator?.sha256;
  if (generatorChecksum) {
    modelChecksums.push({
      name: generator?.name ?? 'generator',
      role: 'generator',
      checksum: generatorChecksum,
    });
  }
  const appVersion = take('appVersion', 'version') ?? opts.appVersion ?? 'not recorded';
  const configHash = take('configHash') ?? configHashOf(config);
  const host = take('host');
  const backend = take('backend') ?? (audit.backend || 'not recorded');

  const comparisons =
    opts.compareWith && opts.compareWith.length > 0
      ? comparisonsOf(store, [audit, ...opts.compareWith.map((id) => finishedAudit(store, id))])
      : [];

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
    },
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    clean: { correct: cleanCorrect, total, accuracy: storedClean },
    attacks: reportAttacks,
    worstCase: {
      correct: worst.robust,
      total,
      accuracy: stored,
      attackIds: attacks.map((a) => a.key),
    },
    sweeps: store.sweeps.list(auditId).map((c) => ({
      attackId: c.preset,
      attackName: c.name,
      norm: c.norm,
      unit: c.unit,
      points: c.points,
    })),
    comparisons,
    sanity: sanityOf(store.sanityFlags.list(auditId), attacks),
    gallery,
    reproducibility: {
      appVersion,
      backend,
      seeds,
      configHash,
      config,
      dataset: datasetChecksum,
      models: modelChecksums,
      startedAt: audit.createdAt,
      finishedAt: audit.finishedAt ?? undefined,
      durationMs: audit.durationMs ?? undefined,
      host,
      extra: repro,
    },
  };
}
