/** Table family: runs — one training run, its full config and status. */
import type { JobStatus, RunSummary, TrainingConfig, TrainingMethod } from '../../shared/api';
import type { Db } from './database';
import { fromJson, newId, NotFoundError, nowIso, toJson } from './util';

interface RunRow {
  id: string;
  name: string;
  method: TrainingMethod;
  dataset_id: string | null;
  dataset_name: string;
  config: string;
  status: JobStatus;
  epochs: number;
  epochs_done: number;
  model_id: string | null;
  backend: string;
  last_metrics: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface RunRecord extends RunSummary {
  config: TrainingConfig;
}

function fromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    method: r.method,
    datasetId: r.dataset_id ?? '',
    datasetName: r.dataset_name,
    config: fromJson(r.config, {} as TrainingConfig),
    status: r.status,
    epochs: r.epochs,
    epochsDone: r.epochs_done,
    modelId: r.model_id,
    lastMetrics: fromJson(r.last_metrics, {}),
    backend: r.backend,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

export function runsTable(db: Db) {
  return {
    insert(r: {
      id?: string;
      name: string;
      datasetName: string;
      config: TrainingConfig;
    }): RunRecord {
      const id = r.id ?? newId('run');
      const now = nowIso();
      db.prepare(
        `INSERT INTO runs (id, name, method, dataset_id, dataset_name, config, status, epochs,
           created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      ).run(
        id,
        r.name,
        r.config.method,
        r.config.datasetId,
        r.datasetName,
        toJson(r.config),
        r.config.epochs,
        now,
        now,
      );
      return this.get(id);
    },
    find(id: string): RunRecord | undefined {
      const r = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
      return r && fromRow(r);
    },
    get(id: string): RunRecord {
      const r = this.find(id);
      if (!r) throw new NotFoundError('run', id);
      return r;
    },
    list(filter: { status?: JobStatus; limit?: number } = {}): RunRecord[] {
      const rows = db
        .prepare(
          `SELECT * FROM runs WHERE (@status IS NULL OR status = @status)
           ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all({ status: filter.status ?? null, limit: filter.limit ?? -1 }) as RunRow[];
      return rows.map(fromRow);
    },
    update(
      id: string,
      patch: Partial<{
        status: JobStatus;
        epochsDone: number;
        modelId: string | null;
        backend: string;
        lastMetrics: Record<string, number>;
        error: string | null;
        finished: boolean;
      }>,
    ): void {
      db.prepare(
        `UPDATE runs SET
           status = COALESCE(@status, status),
           epochs_done = COALESCE(@epochsDone, epochs_done),
           model_id = CASE WHEN @setModel THEN @modelId ELSE model_id END,
           backend = COALESCE(@backend, backend),
           last_metrics = COALESCE(@lastMetrics, last_metrics),
           error = CASE WHEN @setError THEN @error ELSE error END,
           finished_at = CASE WHEN @finished THEN @now ELSE finished_at END,
           updated_at = @now
         WHERE id = @id`,
      ).run({
        id,
        status: patch.status ?? null,
        epochsDone: patch.epochsDone ?? null,
        setModel: patch.modelId !== undefined ? 1 : 0,
        modelId: patch.modelId ?? null,
        backend: patch.backend ?? null,
        lastMetrics: patch.lastMetrics ? toJson(patch.lastMetrics) : null,
        setError: patch.error !== undefined ? 1 : 0,
        error: patch.error ?? null,
        finished: patch.finished ? 1 : 0,
        now: nowIso(),
      });
    },
    remove(id: string): void {
      if (db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes === 0) {
        throw new NotFoundError('run', id);
      }
    },
  };
}

export type RunsTable = ReturnType<typeof runsTable>;
