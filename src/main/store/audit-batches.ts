/**
 * Table family: audit_batches — the journal of an audit in progress: one row per finished
 * (phase, batch), written as soon as the batch is done, read back when the audit resumes, and
 * deleted once the audit's results are stored.
 */
import type { Db } from './database';

export function auditBatchesTable(db: Db) {
  const get = db.prepare(
    'SELECT record FROM audit_batches WHERE audit_id = ? AND phase = ? AND batch = ?',
  );
  const put = db.prepare(
    `INSERT INTO audit_batches (audit_id, phase, batch, record) VALUES (?, ?, ?, ?)
     ON CONFLICT (audit_id, phase, batch) DO UPDATE SET record = excluded.record`,
  );
  return {
    get(auditId: string, phase: number, batch: number): string | undefined {
      return (get.get(auditId, phase, batch) as { record: string } | undefined)?.record;
    },
    put(auditId: string, phase: number, batch: number, record: string): void {
      put.run(auditId, phase, batch, record);
    },
    count(auditId: string): number {
      return (
        db.prepare('SELECT COUNT(*) AS n FROM audit_batches WHERE audit_id = ?').get(auditId) as {
          n: number;
        }
      ).n;
    },
    /** Phases with at least one finished batch, and how many. */
    phases(auditId: string): { phase: number; batches: number }[] {
      return db
        .prepare(
          'SELECT phase, COUNT(*) AS batches FROM audit_batches WHERE audit_id = ? GROUP BY phase ORDER BY phase',
        )
        .all(auditId) as { phase: number; batches: number }[];
    },
    clear(auditId: string): void {
      db.prepare('DELETE FROM audit_batches WHERE audit_id = ?').run(auditId);
    },
  };
}

export type AuditBatchesTable = ReturnType<typeof auditBatchesTable>;
