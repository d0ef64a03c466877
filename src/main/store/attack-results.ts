/** Table family: attack_results — one row per attack of an audit. */
import type { AttackFamily, AttackResultInfo, AttackSpace, BudgetUnit } from '../../shared/api';
import { wilsonInterval } from '../../shared/interval';
import type { Db } from './database';

interface AttackResultRow {
  audit_id: string;
  attack_key: string;
  position: number;
  preset: string;
  attack_id: string;
  name: string;
  family: AttackFamily;
  space: AttackSpace;
  norm: string;
  unit: BudgetUnit;
  eps: number;
  step_size: number | null;
  steps: number | null;
  scaling: string | null;
  accuracy: number;
  correct: number;
  total: number;
  time_ms: number;
  images_per_second: number;
  mean_norm: number;
  max_norm: number;
  options: string;
}

function fromRow(r: AttackResultRow): AttackResultInfo {
  const budget: AttackResultInfo['budget'] = { eps: r.eps, unit: r.unit, norm: r.norm };
  if (r.step_size !== null) budget.stepSize = r.step_size;
  if (r.steps !== null) budget.steps = r.steps;
  if (r.scaling !== null) budget.scaling = r.scaling;
  return {
    key: r.attack_key,
    preset: r.preset,
    attackId: r.attack_id,
    name: r.name,
    family: r.family,
    space: r.space,
    budget,
    accuracy: r.accuracy,
    correct: r.correct,
    total: r.total,
    interval: wilsonInterval(r.correct, r.total),
    timeMs: r.time_ms,
    imagesPerSecond: r.images_per_second,
    meanPerturbationNorm: r.mean_norm,
    maxPerturbationNorm: r.max_norm,
    options: JSON.parse(r.options) as AttackResultInfo['options'],
  };
}

export function attackResultsTable(db: Db) {
  const insert = db.prepare(
    `INSERT INTO attack_results (audit_id, attack_key, position, preset, attack_id, name, family,
       space, norm, unit, eps, step_size, steps, scaling, accuracy, correct, total, time_ms,
       images_per_second, mean_norm, max_norm, options)
     VALUES (@auditId, @key, @position, @preset, @attackId, @name, @family, @space, @norm, @unit,
       @eps, @stepSize, @steps, @scaling, @accuracy, @correct, @total, @timeMs, @imagesPerSecond,
       @meanNorm, @maxNorm, @options)`,
  );
  return {
    /** Caller wraps this in a transaction together with the outcomes it describes. */
    insert(auditId: string, position: number, r: AttackResultInfo): void {
      insert.run({
        auditId,
        position,
        key: r.key,
        preset: r.preset,
        attackId: r.attackId,
        name: r.name,
        family: r.family,
        space: r.space,
        norm: r.budget.norm,
        unit: r.budget.unit,
        eps: r.budget.eps,
        stepSize: r.budget.stepSize ?? null,
        steps: r.budget.steps ?? null,
        scaling: r.budget.scaling ?? null,
        accuracy: r.accuracy,
        correct: r.correct,
        total: r.total,
        timeMs: r.timeMs,
        imagesPerSecond: r.imagesPerSecond,
        meanNorm: r.meanPerturbationNorm,
        maxNorm: r.maxPerturbationNorm,
        options: JSON.stringify(r.options ?? {}),
      });
    },
    /** Drop an audit's rows (a partial result about to be replaced). */
    clear(auditId: string): void {
      db.prepare('DELETE FROM attack_results WHERE audit_id = ?').run(auditId);
    },
    list(auditId: string): AttackResultInfo[] {
      const rows = db
        .prepare('SELECT * FROM attack_results WHERE audit_id = ? ORDER BY position')
        .all(auditId) as AttackResultRow[];
      return rows.map(fromRow);
    },
  };
}

export type AttackResultsTable = ReturnType<typeof attackResultsTable>;
