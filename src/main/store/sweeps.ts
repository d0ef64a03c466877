/** Table family: sweep_points — accuracy against budget for one preset (a strength curve). */
import type { SweepCurve } from '../../shared/api';
import type { Db } from './database';

export function sweepsTable(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sweep_points (audit_id, preset, name, unit, norm, eps, accuracy)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    insert(auditId: string, c: SweepCurve): void {
      for (const p of c.points)
        insert.run(auditId, c.preset, c.name, c.unit, c.norm, p.eps, p.accuracy);
    },
    list(auditId: string): SweepCurve[] {
      const rows = db
        .prepare('SELECT * FROM sweep_points WHERE audit_id = ? ORDER BY preset, eps')
        .all(auditId) as (Omit<SweepCurve, 'points'> & { eps: number; accuracy: number })[];
      const curves = new Map<string, SweepCurve>();
      for (const r of rows) {
        let c = curves.get(r.preset);
        if (!c) {
          c = { preset: r.preset, name: r.name, unit: r.unit, norm: r.norm, points: [] };
          curves.set(r.preset, c);
        }
        c.points.push({ eps: r.eps, accuracy: r.accuracy });
      }
      return [...curves.values()];
    },
  };
}

export type SweepsTable = ReturnType<typeof sweepsTable>;
