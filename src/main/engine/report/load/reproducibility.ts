/**
 * The appendix from what the audit recorded (its `reproducibility` record: app version, backend,
 * seed, config hash, checksums) completed from the library rows; facts already in the printed
 * configuration are not repeated.
 */
import { createHash } from 'node:crypto';
import type { DatasetInfo, ModelInfo } from '../../../../shared/api';
import type { AuditRecord } from '../../../store/audits';
import type { ReportChecksum, ReportReproducibility } from '../types';
import { str } from './audit-record';

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

export interface LibraryRows {
  model?: ModelInfo;
  dataset?: DatasetInfo;
  generator?: ModelInfo;
}

export function reproducibilityOf(
  audit: AuditRecord,
  rows: LibraryRows,
  fallbackAppVersion?: string,
): ReportReproducibility {
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
  for (const [k, v] of Object.entries(config)) {
    if (repro[k] === v) delete repro[k];
  }
  const dataset: ReportChecksum = {
    name: `${audit.datasetName} (${audit.split})`,
    role: 'dataset',
    checksum: take('datasetSha256', 'datasetChecksum') ?? rows.dataset?.sha256 ?? 'not recorded',
  };
  const models: ReportChecksum[] = [
    {
      name: audit.modelName,
      role: 'classifier',
      checksum: take('modelSha256', 'modelChecksum') ?? rows.model?.sha256 ?? 'not recorded',
    },
  ];
  const generatorChecksum = take('generatorSha256', 'generatorChecksum') ?? rows.generator?.sha256;
  if (generatorChecksum) {
    models.push({
      name: rows.generator?.name ?? 'generator',
      role: 'generator',
      checksum: generatorChecksum,
    });
  }
  // Read before `extra` is what is left of the record.
  const appVersion = take('appVersion', 'version') ?? fallbackAppVersion ?? 'not recorded';
  const configHash = take('configHash') ?? configHashOf(config);
  const host = take('host');
  const backend = take('backend') ?? (audit.backend || 'not recorded');
  return {
    appVersion,
    backend,
    seeds,
    configHash,
    config,
    dataset,
    models,
    startedAt: audit.createdAt,
    finishedAt: audit.finishedAt ?? undefined,
    durationMs: audit.durationMs ?? undefined,
    host,
    extra: repro,
  };
}
