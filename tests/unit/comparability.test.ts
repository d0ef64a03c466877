import { describe, expect, it } from 'vitest';
import { comparability, type ComparableAudit } from '../../src/shared/comparability';

const audit = (over: Partial<ComparableAudit> = {}): ComparableAudit => ({
  id: 'aud_000000000001',
  modelName: 'normal',
  datasetName: 'om-fashion-mnist',
  suiteName: 'quick',
  split: 'test',
  images: 'on-manifold',
  samples: 200,
  seed: 0,
  createdAt: '2026-12-01T10:00:00.000Z',
  attacks: [
    { name: 'PGD-5', budget: { eps: 0.1, unit: 'pixel [0,1]', norm: 'linf', steps: 5 } },
    { name: 'OM-PGD-5', budget: { eps: 0.5, unit: 'latent', norm: 'linf', steps: 5 } },
  ],
  ...over,
});

describe('comparability of audits', () => {
  it('claims the same attacks, budgets and samples only when all of them agree', () => {
    const c = comparability([audit(), audit({ id: 'aud_2', modelName: 'dmat' })]);
    expect(c.comparable).toBe(true);
    expect(c.sentence).toContain('same attacks, budgets and samples');
    expect(c.sentence).toContain('200 on-manifold images');
    expect(c.labels).toEqual(['normal', 'dmat']);
  });

  it('names every differing setting and column, and never claims equality then', () => {
    const c = comparability([
      audit(),
      audit({ id: 'aud_2', samples: 150, suiteName: 'paper' }),
      audit({
        id: 'aud_3',
        modelName: 'dmat',
        attacks: [
          { name: 'PGD-5', budget: { eps: 4 / 255, unit: 'pixel [0,1]', norm: 'linf', steps: 5 } },
        ],
      }),
    ]);
    expect(c.comparable).toBe(false);
    expect(c.differingSettings).toEqual(['suite', 'samples']);
    expect(c.differingColumns).toEqual(['PGD-5', 'OM-PGD-5']);
    expect(c.sentence).not.toContain('same attacks, budgets and samples');
    expect(c.sentence).toContain('suite (quick / paper)');
    expect(c.sentence).toContain('samples (200 / 150)');
    expect(c.sentence).toContain('PGD-5, OM-PGD-5');
  });

  it('tells rows that share a model name apart by audit id and date', () => {
    const c = comparability([audit(), audit({ id: 'aud_000000000002', seed: 1 })]);
    expect(c.labels).toEqual([
      'normal (aud_000000000001, 2026-12-01 10:00)',
      'normal (aud_000000000002, 2026-12-01 10:00)',
    ]);
  });
});
