/** Table family: reports — exported PDF/JSON files and the audits they cover. */
import type { ReportFormat, ReportInfo } from '../../shared/api';
import type { Db } from './database';
import { newId, NotFoundError, nowIso } from './util';

interface ReportRow {
  id: string;
  format: ReportFormat;
  title: string | null;
  path: string;
  bytes: number;
  sha256: string;
  created_at: string;
}

export function reportsTable(db: Db) {
  const auditIdsOf = (reportId: string) =>
    (
      db
        .prepare('SELECT audit_id FROM report_audits WHERE report_id = ? ORDER BY position')
        .all(reportId) as { audit_id: string }[]
    ).map((r) => r.audit_id);
  const fromRow = (r: ReportRow): ReportInfo => ({
    id: r.id,
    auditIds: auditIdsOf(r.id),
    format: r.format,
    path: r.path,
    bytes: r.bytes,
    sha256: r.sha256,
    createdAt: r.created_at,
  });
  const insertAll = db.transaction(
    (id: string, r: Omit<ReportInfo, 'id' | 'createdAt'> & { title?: string }) => {
      db.prepare(
        `INSERT INTO reports (id, format, title, path, bytes, sha256, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, r.format, r.title ?? null, r.path, r.bytes, r.sha256, nowIso());
      const link = db.prepare(
        'INSERT INTO report_audits (report_id, audit_id, position) VALUES (?, ?, ?)',
      );
      r.auditIds.forEach((auditId, i) => link.run(id, auditId, i));
    },
  );
  return {
    insert(r: Omit<ReportInfo, 'id' | 'createdAt'> & { id?: string; title?: string }): ReportInfo {
      const id = r.id ?? newId('rep');
      insertAll(id, r);
      return this.get(id);
    },
    get(id: string): ReportInfo {
      const r = db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as ReportRow | undefined;
      if (!r) throw new NotFoundError('report', id);
      return fromRow(r);
    },
    list(auditId?: string): ReportInfo[] {
      const rows = (
        auditId
          ? db
              .prepare(
                `SELECT r.* FROM reports r JOIN report_audits a ON a.report_id = r.id
                 WHERE a.audit_id = ? ORDER BY r.created_at DESC`,
              )
              .all(auditId)
          : db.prepare('SELECT * FROM reports ORDER BY created_at DESC').all()
      ) as ReportRow[];
      return rows.map(fromRow);
    },
  };
}

export type ReportsTable = ReturnType<typeof reportsTable>;
