/**
 * Table family: audit_samples (label and clean prediction per audited sample) and
 * sample_outcomes (per attack per sample: correct, predicted class, perturbation norm).
 */
import type { AuditOutcomes } from '../engine/audit/outcomes';
import type { Db } from './database';
import { bool } from './util';

export function sampleOutcomesTable(db: Db) {
  const insertSample = db.prepare(
    `INSERT INTO audit_samples (audit_id, sample_index, label, clean_predicted, clean_correct)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const insertOutcome = db.prepare(
    `INSERT INTO sample_outcomes (audit_id, attack_key, sample_index, correct, predicted,
       perturbation_norm) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  return {
    /** Write every sample row and every outcome; the caller holds the transaction. */
    insert(auditId: string, o: AuditOutcomes): void {
      o.sampleIndices.forEach((index, i) =>
        insertSample.run(auditId, index, o.labels[i], o.cleanPredicted[i], bool(o.cleanCorrect[i])),
      );
      for (const a of o.attacks) {
        o.sampleIndices.forEach((index, i) =>
          insertOutcome.run(
            auditId,
            a.key,
            index,
            bool(a.correct[i]),
            a.predicted[i],
            a.perturbationNorm[i],
          ),
        );
      }
    },
    /** All outcomes of an audit, attacks in the audit's column order. */
    load(auditId: string): AuditOutcomes {
      const samples = db
        .prepare(
          `SELECT sample_index, label, clean_predicted, clean_correct FROM audit_samples
           WHERE audit_id = ? ORDER BY sample_index`,
        )
        .all(auditId) as {
        sample_index: number;
        label: number;
        clean_predicted: number;
        clean_correct: number;
      }[];
      const keys = (
        db
          .prepare('SELECT attack_key FROM attack_results WHERE audit_id = ? ORDER BY position')
          .all(auditId) as { attack_key: string }[]
      ).map((r) => r.attack_key);
      const rowOf = new Map(samples.map((s, i) => [s.sample_index, i]));
      const attacks = keys.map((key) => ({
        key,
        correct: new Array<boolean>(samples.length).fill(false),
        predicted: new Array<number>(samples.length).fill(-1),
        perturbationNorm: new Array<number>(samples.length).fill(0),
      }));
      const byKey = new Map(attacks.map((a) => [a.key, a]));
      const rows = db
        .prepare(
          `SELECT attack_key, sample_index, correct, predicted, perturbation_norm
           FROM sample_outcomes WHERE audit_id = ?`,
        )
        .all(auditId) as {
        attack_key: string;
        sample_index: number;
        correct: number;
        predicted: number;
        perturbation_norm: number;
      }[];
      for (const r of rows) {
        const a = byKey.get(r.attack_key);
        const i = rowOf.get(r.sample_index);
        if (!a || i === undefined) continue;
        a.correct[i] = r.correct === 1;
        a.predicted[i] = r.predicted;
        a.perturbationNorm[i] = r.perturbation_norm;
      }
      return {
        sampleIndices: samples.map((s) => s.sample_index),
        labels: samples.map((s) => s.label),
        cleanPredicted: samples.map((s) => s.clean_predicted),
        cleanCorrect: samples.map((s) => s.clean_correct === 1),
        attacks,
      };
    },
    count(auditId: string): number {
      return (
        db.prepare('SELECT COUNT(*) AS n FROM audit_samples WHERE audit_id = ?').get(auditId) as {
          n: number;
        }
      ).n;
    },
  };
}

export type SampleOutcomesTable = ReturnType<typeof sampleOutcomesTable>;
