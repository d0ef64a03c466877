/**
 * What a cancelled audit already knows: from its batch journal, the clean accuracy once the
 * clean pass finished, and each attack whose batches all finished (on every sample), counted as
 * the finished audit would (robust = right without the attack and under it). The per-sample
 * worst case needs every attack, so a partial result has none.
 */
import type { AttackResultInfo } from '../../../shared/api';
import { attackResultOf } from './summarise';
import type { BatchJournal } from './journal';
import type { ResolvedSuite } from './suites';

export interface PartialAuditResult {
  standardAccuracy: number;
  /** Finished attacks, in suite order, with their position in the suite. */
  attacks: { position: number; result: AttackResultInfo }[];
  attacksTotal: number;
}

export function partialResult(
  plan: { sampleCount: number; batchSize: number; suite: ResolvedSuite },
  journal: Pick<BatchJournal, 'get'>,
): PartialAuditResult | null {
  const batches = Math.ceil(plan.sampleCount / plan.batchSize);
  const labels: number[] = [];
  const clean: number[] = [];
  for (let b = 0; b < batches; b++) {
    const r = journal.get(0, b);
    if (r?.kind !== 'clean') return null;
    labels.push(...r.labels);
    clean.push(...r.predicted);
  }
  const n = labels.length;
  if (n === 0) return null;
  const cleanCorrect = labels.map((y, i) => clean[i] === y);
  const attacks: PartialAuditResult['attacks'] = [];
  plan.suite.attacks.forEach((a, ai) => {
    const predicted: number[] = [];
    const norms: number[] = [];
    let timeMs = 0;
    for (let b = 0; b < batches; b++) {
      const r = journal.get(1 + ai, b);
      if (r?.kind !== 'attack') return;
      predicted.push(...r.predicted);
      norms.push(...r.perturbationNorm);
      timeMs += r.timeMs;
    }
    const correct = predicted.filter((p, i) => cleanCorrect[i] && p === labels[i]).length;
    attacks.push({
      position: ai,
      result: attackResultOf(a, {
        correct,
        total: n,
        timeMs,
        normSum: norms.reduce((s, v) => s + v, 0),
        normMax: Math.max(0, ...norms),
      }),
    });
  });
  if (n !== plan.sampleCount) return null;
  return {
    standardAccuracy: cleanCorrect.filter(Boolean).length / n,
    attacks,
    attacksTotal: plan.suite.attacks.length,
  };
}
