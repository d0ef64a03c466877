/** Table family: audits (one row per audit; results live in the tables that reference it). */
import type {
  AuditImages,
  AuditSummary,
  DatasetSplit,
  JobStatus,
  SuiteDefinition,
} from '../../shared/api';
import { accuracyInterval } from '../../shared/interval';
import type { Db } from './database';
import { fromJson, newId, NotFoundError, nowIso, toJson } from './util';

interface AuditRow {
  id: string;
  model_id: string | null;
  model_name: string;
  dataset_id: string | null;
  dataset_name: string;
  suite_name: string;
  suite: string;
  split: DatasetSplit;
  images: AuditImages;
  samples: number;
  seed: number;
  batch_size: number;
  workers: number;
  status: JobStatus;
  standard_accuracy: number | null;
  worst_case_accuracy: number | null;
  backend: string;
  reproducibility: string;
  created_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
}

export interface NewAudit {
  id?: string;
  modelId: string;
  modelName: string;
  datasetId: string;
  datasetName: string;
  suite: SuiteDefinition;
  split: DatasetSplit;
  images: AuditImages;
  samples: number;
  seed: number;
  batchSize: number;
  workers: number;
}

export interface AuditRecord extends AuditSummary {
  suite: SuiteDefinition;
  batchSize: number;
  workers: number;
  reproducibility: Record<string, string | number>;
}

function fromRow(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    modelId: r.model_id ?? '',
    modelName: r.model_name,
    datasetId: r.dataset_id ?? '',
    datasetName: r.dataset_name,
    suiteName: r.suite_name,
    suite: fromJson(r.suite, { name: r.suite_name, attacks: [] }),
    split: r.split,
    images: r.images,
    samples: r.samples,
    seed: r.seed,
    batchSize: r.batch_size,
    workers: r.workers,
    status: r.status,
    standardAccuracy: r.standard_accuracy,
    worstCaseAccuracy: r.worst_case_accuracy,
    standardInterval: accuracyInterval(r.standard_accuracy, r.samples),
    worstCaseInterval: accuracyInterval(r.worst_case_accuracy, r.samples),
    backend: r.backend,
    reproducibility: fromJson(r.reproducibility, {}),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    error: r.error,
  };
}

export function auditsTable(db: Db) {
  return {
    insert(a: NewAudit): AuditRecord {
      const id = a.id ?? newId('aud');
      db.prepare(
        `INSERT INTO audits (id, model_id, model_name, dataset_id, dataset_name, suite_name, suite,
           split, images, samples, seed, batch_size, workers, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
      ).run(
        id,
        a.modelId,
        a.modelName,
        a.datasetId,
        a.datasetName,
        a.suite.name,
        toJson(a.suite),
        a.split,
        a.images,
        a.samples,
        a.seed,
        a.batchSize,
        a.workers,
        nowIso(),
      );
      return this.get(id);
    },
    find(id: string): AuditRecord | undefined {
      const r = db.prepare('SELECT * FROM audits WHERE id = ?').get(id) as AuditRow | undefined;
      return r && fromRow(r);
    },
    get(id: string): AuditRecord {
      const a = this.find(id);
      if (!a) throw new NotFoundError('audit', id);
      return a;
    },
    list(filter: { modelId?: string; datasetId?: string; limit?: number } = {}): AuditRecord[] {
      const rows = db
        .prepare(
          `SELECT * FROM audits
           WHERE (@modelId IS NULL OR model_id = @modelId)
             AND (@datasetId IS NULL OR dataset_id = @datasetId)
           ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all({
          modelId: filter.modelId ?? null,
          datasetId: filter.datasetId ?? null,
          limit: filter.limit ?? -1,
        }) as AuditRow[];
      return rows.map(fromRow);
    },
    /** An interrupted or cancelled audit, queued again to resume. */
    reopen(id: string): void {
      db.prepare(
        `UPDATE audits SET status = 'queued', error = NULL, finished_at = NULL WHERE id = ?`,
      ).run(id);
    },
    markRunning(id: string, backend: string): void {
      db.prepare(`UPDATE audits SET status = 'running', backend = ? WHERE id = ?`).run(backend, id);
    },
    /** Final state of an audit; accuracies only for a finished one. */
    finish(
      id: string,
      end: {
        status: Exclude<JobStatus, 'queued' | 'running'>;
        standardAccuracy?: number;
        worstCaseAccuracy?: number;
        durationMs: number;
        reproducibility?: Record<string, string | number>;
        error?: string;
      },
    ): void {
      db.prepare(
        `UPDATE audits SET status = @status, standard_accuracy = @std, worst_case_accuracy = @worst,
           duration_ms = @durationMs, finished_at = @finishedAt, error = @error,
           reproducibility = COALESCE(@repro, reproducibility)
         WHERE id = @id`,
      ).run({
        id,
        status: end.status,
        std: end.standardAccuracy ?? null,
        worst: end.worstCaseAccuracy ?? null,
        durationMs: Math.round(end.durationMs),
        finishedAt: nowIso(),
        error: end.error ?? null,
        repro: end.reproducibility ? toJson(end.reproducibility) : null,
      });
    },
    remove(id: string): void {
      if (db.prepare('DELETE FROM audits WHERE id = ?').run(id).changes === 0) {
        throw new NotFoundError('audit', id);
      }
    },
  };
}

export type AuditsTable = ReturnType<typeof auditsTable>;
