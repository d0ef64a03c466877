/**
 * Per-sample outcomes of an audit, column-wise, and the per-sample worst case recomputed from
 * them: a sample is robust only when every chosen attack leaves it correctly classified (and,
 * by default, it was classified correctly without an attack).
 */

export interface AttackOutcomes {
  key: string;
  /** Per sample, aligned with `AuditOutcomes.sampleIndices`. */
  correct: boolean[];
  predicted: number[];
  perturbationNorm: number[];
}

export interface AuditOutcomes {
  /** Index of each audited sample in its split, ascending. */
  sampleIndices: number[];
  labels: number[];
  cleanPredicted: number[];
  cleanCorrect: boolean[];
  attacks: AttackOutcomes[];
}

export interface WorstCase {
  robust: number;
  total: number;
  accuracy: number;
  /** Per sample: robust against every chosen attack. */
  perSample: boolean[];
}

export class UnknownAttackKeyError extends Error {
  constructor(key: string, known: string[]) {
    super(`attack "${key}" is not part of this audit; known: ${known.join(', ') || 'none'}`);
    this.name = 'UnknownAttackKeyError';
  }
}

/** Worst case over `attackSubset` (attack keys; all attacks when omitted). */
export function worstCase(
  outcomes: AuditOutcomes,
  attackSubset?: readonly string[],
  includeClean = true,
): WorstCase {
  const known = outcomes.attacks.map((a) => a.key);
  const chosen = (attackSubset ?? known).map((key) => {
    const a = outcomes.attacks.find((x) => x.key === key);
    if (!a) throw new UnknownAttackKeyError(key, known);
    return a;
  });
  const n = outcomes.sampleIndices.length;
  const perSample = new Array<boolean>(n);
  let robust = 0;
  for (let i = 0; i < n; i++) {
    let ok = includeClean ? outcomes.cleanCorrect[i] : true;
    for (const a of chosen) ok &&= a.correct[i];
    perSample[i] = ok;
    if (ok) robust++;
  }
  return { robust, total: n, accuracy: n === 0 ? 0 : robust / n, perSample };
}

/** Fraction correct of a boolean column. */
export function accuracyOf(correct: readonly boolean[]): number {
  if (correct.length === 0) return 0;
  let k = 0;
  for (const c of correct) if (c) k++;
  return k / correct.length;
}

/**
 * Merge outcomes computed on disjoint sample partitions (one per worker) into one, ordered by
 * sample index. Every part must hold the same attacks in the same order.
 */
export function mergeOutcomes(parts: readonly AuditOutcomes[]): AuditOutcomes {
  if (parts.length === 0) throw new Error('mergeOutcomes: nothing to merge');
  const keys = parts[0].attacks.map((a) => a.key);
  for (const p of parts) {
    const k = p.attacks.map((a) => a.key);
    if (k.join('\u0000') !== keys.join('\u0000')) {
      throw new Error(`mergeOutcomes: parts disagree on attacks (${keys} vs ${k})`);
    }
  }
  const rows: { part: number; row: number; index: number }[] = [];
  parts.forEach((p, part) =>
    p.sampleIndices.forEach((index, row) => rows.push({ part, row, index })),
  );
  rows.sort((a, b) => a.index - b.index);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].index === rows[i - 1].index) {
      throw new Error(`mergeOutcomes: sample ${rows[i].index} appears in two parts`);
    }
  }
  const pick = <T>(col: (p: AuditOutcomes) => T[]) => rows.map((r) => col(parts[r.part])[r.row]);
  return {
    sampleIndices: rows.map((r) => r.index),
    labels: pick((p) => p.labels),
    cleanPredicted: pick((p) => p.cleanPredicted),
    cleanCorrect: pick((p) => p.cleanCorrect),
    attacks: keys.map((key, j) => ({
      key,
      correct: pick((p) => p.attacks[j].correct),
      predicted: pick((p) => p.attacks[j].predicted),
      perturbationNorm: pick((p) => p.attacks[j].perturbationNorm),
    })),
  };
}
