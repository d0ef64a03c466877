/**
 * Table family: run_metrics — long format, one row per (scope, step, name). Writing a point
 * again (a resumed run replaying a step) replaces it, so history never holds duplicates.
 */
import type { MetricPoint, MetricScope } from '../../shared/api';
import type { Db } from './database';
import { nowIso } from './util';

export function runMetricsTable(db: Db) {
  const upsert = db.prepare(
    `INSERT INTO run_metrics (run_id, scope, epoch, step, name, value, at)
     VALUES (@runId, @scope, @epoch, @step, @name, @value, @at)
     ON CONFLICT (run_id, scope, step, name) DO UPDATE SET
       epoch = excluded.epoch, value = excluded.value, at = excluded.at`,
  );
  const write = db.transaction((runId: string, points: readonly MetricPoint[]) => {
    for (const p of points) upsert.run({ runId, ...p, at: p.at || nowIso() });
  });
  return {
    /** Many points in one transaction. */
    write(runId: string, points: readonly MetricPoint[]): void {
      write(runId, points);
    },
    list(
      runId: string,
      filter: { scope?: MetricScope; names?: string[]; afterStep?: number } = {},
    ): MetricPoint[] {
      const rows = db
        .prepare(
          `SELECT scope, epoch, step, name, value, at FROM run_metrics
           WHERE run_id = @runId AND (@scope IS NULL OR scope = @scope)
             AND (@afterStep IS NULL OR step > @afterStep)
           ORDER BY step, scope, name`,
        )
        .all({
          runId,
          scope: filter.scope ?? null,
          afterStep: filter.afterStep ?? null,
        }) as MetricPoint[];
      return filter.names ? rows.filter((r) => filter.names!.includes(r.name)) : rows;
    },
    /** Drop points after a step: a run resumed from an earlier checkpoint replays them. */
    truncateAfter(runId: string, step: number): number {
      return db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND step > ?').run(runId, step)
        .changes;
    },
  };
}

export type RunMetricsTable = ReturnType<typeof runMetricsTable>;
