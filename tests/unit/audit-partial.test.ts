import { describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/main/engine/audit/journal';
import { partialResult } from '../../src/main/engine/audit/partial';
import { resolveSuite } from '../../src/main/engine/audit/suites';

const suite = resolveSuite(
  { name: 's', attacks: [{ preset: 'fgsm' }, { preset: 'pgd-5' }] },
  [28, 28, 1],
  's',
);
const plan = { sampleCount: 4, batchSize: 2, suite };

function journal(records: Record<string, BatchRecord>) {
  return { get: (phase: number, batch: number) => records[`${phase}:${batch}`] };
}
const clean = (labels: number[], predicted: number[]): BatchRecord => ({
  kind: 'clean',
  labels,
  predicted,
  timeMs: 1,
});
const attack = (predicted: number[]): BatchRecord => ({
  kind: 'attack',
  predicted,
  perturbationNorm: predicted.map(() => 0.1),
  timeMs: 5,
  gallery: [],
});

describe('the partial result of a cancelled audit', () => {
  it('counts the attacks finished on every batch as the full audit does, and no others', () => {
    const r = partialResult(
      plan,
      journal({
        '0:0': clean([1, 2], [1, 2]),
        '0:1': clean([3, 4], [3, 0]),
        // FGSM finished: sample 2 fooled; sample 4 was wrong before the attack (never robust).
        '1:0': attack([1, 0]),
        '1:1': attack([3, 4]),
        // PGD-5 finished its first batch only.
        '2:0': attack([0, 0]),
      }),
    )!;
    expect(r.standardAccuracy).toBe(0.75);
    expect(r.attacksTotal).toBe(2);
    expect(r.attacks.map((a) => [a.position, a.result.key, a.result.correct])).toEqual([
      [0, 'FGSM', 2],
    ]);
    expect(r.attacks[0].result).toMatchObject({ total: 4, accuracy: 0.5, timeMs: 10 });
  });

  it('has nothing to say before the clean pass has finished', () => {
    expect(partialResult(plan, journal({ '0:0': clean([1, 2], [1, 2]) }))).toBeNull();
  });
});
