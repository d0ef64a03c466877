/**
 * v3: training runs, their metrics (one row per scope/step/name, so a resumed run cannot
 * duplicate a point) and checkpoints; models learn which run produced them.
 */
import type { Migration } from '../migrate';

export const runsMigration: Migration = {
  version: 3,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        method       TEXT NOT NULL,
        dataset_id   TEXT REFERENCES datasets (id) ON DELETE SET NULL,
        dataset_name TEXT NOT NULL,
        config       TEXT NOT NULL,            -- JSON TrainingConfig
        status       TEXT NOT NULL
                     CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        epochs       INTEGER NOT NULL,
        epochs_done  INTEGER NOT NULL DEFAULT 0,
        model_id     TEXT REFERENCES models (id) ON DELETE SET NULL,
        backend      TEXT NOT NULL DEFAULT '',
        last_metrics TEXT NOT NULL DEFAULT '{}',
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        finished_at  TEXT,
        error        TEXT
      ) STRICT;
      CREATE INDEX runs_created ON runs (created_at);

      CREATE TABLE run_metrics (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        scope  TEXT NOT NULL CHECK (scope IN ('step', 'epoch')),
        epoch  INTEGER NOT NULL,
        step   INTEGER NOT NULL,
        name   TEXT NOT NULL,
        value  REAL NOT NULL,
        at     TEXT NOT NULL,
        PRIMARY KEY (run_id, scope, step, name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE checkpoints (
        id         TEXT PRIMARY KEY,
        run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch      INTEGER NOT NULL,
        step       INTEGER NOT NULL,
        path       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (run_id, step)
      ) STRICT;

      ALTER TABLE models ADD COLUMN source_run_id TEXT REFERENCES runs (id) ON DELETE SET NULL;
    `);
  },
};
