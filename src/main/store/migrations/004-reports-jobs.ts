/** v4: exported reports, and job processes with their persisted events. */
import type { Migration } from '../migrate';

export const reportsJobsMigration: Migration = {
  version: 4,
  name: 'reports-jobs',
  up(db) {
    db.exec(`
      CREATE TABLE reports (
        id         TEXT PRIMARY KEY,
        format     TEXT NOT NULL CHECK (format IN ('pdf', 'json')),
        title      TEXT,
        path       TEXT NOT NULL,
        bytes      INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE report_audits (
        report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        audit_id  TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        PRIMARY KEY (report_id, audit_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,             -- job kind: audit, train, dataset-build, …
        target_id   TEXT NOT NULL,
        status      TEXT NOT NULL
                    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        params      TEXT NOT NULL DEFAULT '{}',
        pid         INTEGER,
        progress    TEXT,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        error       TEXT
      ) STRICT;
      CREATE INDEX jobs_target ON jobs (target_id);

      CREATE TABLE job_events (
        id      INTEGER PRIMARY KEY,
        job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        type    TEXT NOT NULL,
        payload TEXT NOT NULL,
        at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX job_events_by_job ON job_events (job_id, id);
    `);
  },
};
