/**
 * v5: leases, so an audit or a run is executed by one process at a time (a second `resume`
 * is refused while the first is alive, and a dead holder's lease is taken over), and the batch
 * journal of audits, so an interrupted or cancelled audit resumes where it stopped.
 */
import type { Migration } from '../migrate';

export const leasesBatchesMigration: Migration = {
  version: 5,
  name: 'leases-batches',
  up(db) {
    db.exec(`
      CREATE TABLE leases (
        target_id    TEXT PRIMARY KEY,          -- the audit or run being executed
        job_id       TEXT NOT NULL,
        pid          INTEGER NOT NULL,          -- the job process holding it
        host         TEXT NOT NULL,
        acquired_at  TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_batches (
        audit_id TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        phase    INTEGER NOT NULL,              -- 0 clean, then each attack, then sweep points
        batch    INTEGER NOT NULL,              -- batch number over the audit's sample list
        record   TEXT NOT NULL,                 -- JSON: that batch's predictions and gallery
        PRIMARY KEY (audit_id, phase, batch)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
