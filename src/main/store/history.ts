/** History: audits and runs in one searchable, newest-first list. */
import type { HistoryEntry, HistoryPage, HistoryQuery } from '../../shared/api';
import type { Db } from './database';
import { NotFoundError } from './util';

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);

interface HistoryRow {
  kind: 'audit' | 'run';
  id: string;
  a: string;
  b: string;
  c: string;
  n: number;
  status: HistoryEntry['status'];
  created_at: string;
  finished_at: string | null;
  headline: number | null;
}

/** Audits: title "model on dataset", subtitle "suite · samples". Runs: "name", "method · epochs". */
const UNION = `
  SELECT 'audit' AS kind, id, model_name AS a, dataset_name AS b, suite_name AS c, samples AS n,
         status, created_at, finished_at, worst_case_accuracy AS headline
  FROM audits
  UNION ALL
  SELECT 'run' AS kind, id, name AS a, dataset_name AS b, method AS c, epochs AS n,
         status, created_at, finished_at,
         json_extract(last_metrics, '$.cleanAcc') AS headline
  FROM runs`;

function toEntry(r: HistoryRow): HistoryEntry {
  const base = {
    kind: r.kind,
    id: r.id,
    status: r.status,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    headline: r.headline,
  };
  return r.kind === 'audit'
    ? {
        ...base,
        title: `${r.a} on ${r.b}`,
        subtitle: `${r.c} · ${r.n} samples · worst case ${pct(r.headline)}`,
      }
    : { ...base, title: r.a, subtitle: `${r.c} on ${r.b} · ${r.n} epochs` };
}

export function historyView(db: Db) {
  return {
    search(q: HistoryQuery = {}): HistoryPage {
      const where = `WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status)
        AND (@text IS NULL OR instr(lower(a || ' ' || b || ' ' || c || ' ' || id), lower(@text)) > 0)`;
      const params = { kind: q.kind ?? null, status: q.status ?? null, text: q.text || null };
      const total = (
        db.prepare(`SELECT COUNT(*) AS n FROM (${UNION}) ${where}`).get(params) as { n: number }
      ).n;
      const rows = db
        .prepare(
          `SELECT * FROM (${UNION}) ${where} ORDER BY created_at DESC, id DESC
           LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, limit: q.limit ?? 100, offset: q.offset ?? 0 }) as HistoryRow[];
      return { total, entries: rows.map(toEntry) };
    },
    /** Delete an audit or run with everything that references it (cascades). */
    remove(kind: 'audit' | 'run', id: string): void {
      const table = kind === 'audit' ? 'audits' : 'runs';
      if (db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id).changes === 0) {
        throw new NotFoundError(kind, id);
      }
    },
  };
}
