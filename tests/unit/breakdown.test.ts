import { describe, expect, it } from 'vitest';
import type { AuditSummary, SampleOutcome } from '../../src/shared/api';
import { confusionMatrix, leaderboards, perClass } from '../../src/shared/breakdown';

const sample = (label: number, clean: number, attacked: number): SampleOutcome => ({
  sampleIndex: 0,
  label,
  cleanPredicted: clean,
  cleanCorrect: clean === label,
  attacks: [
    { attackKey: 'PGD', correct: attacked === label, predicted: attacked, perturbationNorm: 0 },
  ],
  worstCaseCorrect: clean === label && attacked === label,
});

const samples = [
  sample(0, 0, 0),
  sample(0, 0, 1),
  sample(1, 1, 0),
  sample(1, 0, 0),
  sample(2, 2, 2),
];

describe('per-class breakdown and confusion matrices', () => {
  it('counts clean and worst-case correct per true class', () => {
    expect(perClass(samples, 3)).toEqual([
      { label: 0, total: 2, cleanCorrect: 2, worstCorrect: 1 },
      { label: 1, total: 2, cleanCorrect: 1, worstCorrect: 0 },
      { label: 2, total: 1, cleanCorrect: 1, worstCorrect: 1 },
    ]);
  });

  it('counts (true, predicted) on clean images and under an attack', () => {
    expect(confusionMatrix(samples, 3, 'clean')).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(confusionMatrix(samples, 3, 'PGD')).toEqual([
      [1, 1, 0],
      [2, 0, 0],
      [0, 0, 1],
    ]);
  });
});

describe('leaderboards', () => {
  const audit = (id: string, worst: number, over: Partial<AuditSummary> = {}): AuditSummary => ({
    id,
    modelId: id,
    modelName: id,
    datasetId: 'd',
    datasetName: 'om-fashion-mnist',
    suiteName: 'quick',
    split: 'test',
    images: 'on-manifold',
    samples: 500,
    seed: 0,
    status: 'done',
    standardAccuracy: 0.8,
    worstCaseAccuracy: worst,
    backend: 'wasm',
    createdAt: '2026-12-01T00:00:00Z',
    finishedAt: null,
    durationMs: null,
    error: null,
    ...over,
  });

  it('ranks only audits of one suite on the same samples, best worst case first, ties shared', () => {
    const boards = leaderboards([
      audit('a', 0.2),
      audit('b', 0.37),
      audit('c', 0.37),
      audit('d', 0.5, { samples: 100 }),
      audit('e', 0.9, { status: 'cancelled' }),
    ]);
    expect(boards).toHaveLength(2);
    const quick500 = boards.find((b) => b.samples === 500)!;
    expect(quick500.rows.map((r) => [r.rank, r.audit.id])).toEqual([
      [1, 'b'],
      [1, 'c'],
      [3, 'a'],
    ]);
    expect(quick500.rows[0].worst!.n).toBe(500);
  });
});
