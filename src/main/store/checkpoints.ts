/** Table family: checkpoints of a training run (files under $DMAT_HOME/runs/<run>/). */
import type { CheckpointInfo } from '../../shared/api';
import type { Db } from './database';
import { newId, nowIso } from './util';

interface CheckpointRow {
  id: string;
  run_id: string;
  epoch: number;
  step: number;
  path: string;
  created_at: string;
}

const fromRow = (r: CheckpointRow): CheckpointInfo => ({
  id: r.id,
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  path: r.path,
  createdAt: r.created_at,
});

export function checkpointsTable(db: Db) {
  return {
    /** Record a checkpoint; saving the same step again replaces the row. */
    insert(c: { runId: string; epoch: number; step: number; path: string }): CheckpointInfo {
      const id = newId('ckp');
      db.prepare(
        `INSERT INTO checkpoints (id, run_id, epoch, step, path, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, path = excluded.path,
           created_at = excluded.created_at`,
      ).run(id, c.runId, c.epoch, c.step, c.path, nowIso());
      return this.latest(c.runId)!;
    },
    list(runId: string): CheckpointInfo[] {
      const rows = db
        .prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step')
        .all(runId) as CheckpointRow[];
      return rows.map(fromRow);
    },
    latest(runId: string): CheckpointInfo | undefined {
      const r = db
        .prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1')
        .get(runId) as CheckpointRow | undefined;
      return r && fromRow(r);
    },
  };
}

export type CheckpointsTable = ReturnType<typeof checkpointsTable>;
