/** Table family: sanity_flags — gradient-masking and trust checks stored with an audit. */
import type { SanityFlag } from '../../shared/api';
import type { Db } from './database';
import { fromJson, toJson } from './util';

export function sanityFlagsTable(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sanity_flags (audit_id, check_id, severity, message, attack_key, details)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  return {
    insert(auditId: string, f: SanityFlag): void {
      insert.run(auditId, f.check, f.severity, f.message, f.attackKey, toJson(f.details));
    },
    list(auditId: string): SanityFlag[] {
      const rows = db
        .prepare('SELECT * FROM sanity_flags WHERE audit_id = ? ORDER BY id')
        .all(auditId) as {
        check_id: string;
        severity: SanityFlag['severity'];
        message: string;
        attack_key: string | null;
        details: string;
      }[];
      return rows.map((r) => ({
        check: r.check_id,
        severity: r.severity,
        message: r.message,
        attackKey: r.attack_key,
        details: fromJson(r.details, {}),
      }));
    },
  };
}

export type SanityFlagsTable = ReturnType<typeof sanityFlagsTable>;
