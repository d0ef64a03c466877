import { describe, expect, it } from 'vitest';
import type { AttackResultInfo, SanityFlag, SweepCurve } from '../../src/shared/api';
import { sanityChecklist } from '../../src/shared/sanity-checklist';
import { sanityOf } from '../../src/main/engine/report/load/sanity';

const pgd: AttackResultInfo = {
  key: 'PGD-5',
  preset: 'pgd-5',
  attackId: 'pgd-linf',
  name: 'PGD-5',
  family: 'seen',
  space: 'image',
  budget: { eps: 0.1, unit: 'pixel [0,1]', norm: 'linf', steps: 5 },
  accuracy: 0.4,
  correct: 40,
  total: 100,
  timeMs: 1,
  imagesPerSecond: 1,
  meanPerturbationNorm: 0.1,
  maxPerturbationNorm: 0.1,
};
const fog: AttackResultInfo = {
  ...pgd,
  key: 'Fog',
  preset: 'fog',
  attackId: 'fog',
  name: 'Fog',
  family: 'unseen',
  budget: { eps: 0.5, unit: 'attack-specific', norm: 'fog' },
};
const curve: SweepCurve = {
  preset: 'pgd-5',
  name: 'PGD-5',
  unit: 'pixel [0,1]',
  norm: 'linf',
  points: [
    { eps: 0, accuracy: 0.8 },
    { eps: 0.1, accuracy: 0.4 },
  ],
};
const converged: SanityFlag = {
  check: 'attacks-converged',
  severity: 'info',
  message: 'Converged: PGD-5 −0.5 pts.',
  attackKey: null,
  details: {},
};

const status = (items: ReturnType<typeof sanityChecklist>) =>
  Object.fromEntries(items.map((i) => [i.id, i.status]));

describe('sanity checklist', () => {
  it('marks the budget check "not run" when the suite has no sweep, never passed', () => {
    const items = sanityChecklist({
      status: 'done',
      sanityFlags: [converged],
      attacks: [pgd],
      curves: [],
    });
    expect(status(items)).toEqual({
      gradients: 'passed',
      outputs: 'passed',
      budget: 'not-run',
      noise: 'passed',
      convergence: 'passed',
    });
    expect(items.find((i) => i.id === 'budget')!.detail).toContain('no sweep');
  });

  it('passes the budget check with a sweep and flags what the engine flagged', () => {
    const rising: SanityFlag = {
      check: 'accuracy-not-falling',
      severity: 'warning',
      message: 'PGD-5: accuracy rises.',
      attackKey: 'pgd-5',
      details: {},
    };
    expect(
      status(sanityChecklist({ status: 'done', sanityFlags: [], attacks: [pgd], curves: [curve] }))
        .budget,
    ).toBe('passed');
    const items = sanityChecklist({
      status: 'done',
      sanityFlags: [rising],
      attacks: [pgd],
      curves: [curve],
    });
    expect(status(items).budget).toBe('flagged');
    expect(items.find((i) => i.id === 'budget')!.flags).toEqual([rising]);
  });

  it('does not run the noise baseline without an L∞/L2 image attack, nor anything unfinished', () => {
    const items = sanityChecklist({ status: 'done', sanityFlags: [], attacks: [fog], curves: [] });
    expect(status(items).noise).toBe('not-run');
    expect(status(items).convergence).toBe('not-run');
    const running = sanityChecklist({
      status: 'cancelled',
      sanityFlags: [],
      attacks: [],
      curves: [],
    });
    expect(running.every((i) => i.status === 'not-run')).toBe(true);
  });

  it('reports a check whose runner failed as "could not run"', () => {
    const failed: SanityFlag = {
      check: 'gradientMaskingChecks',
      severity: 'error',
      message: 'A sanity check could not run: out of memory',
      attackKey: null,
      details: {},
    };
    const items = sanityChecklist({
      status: 'done',
      sanityFlags: [failed],
      attacks: [pgd],
      curves: [],
    });
    expect(status(items).gradients).toBe('could-not-run');
  });

  it('gives the PDF the same statuses as the screen', () => {
    const rows = sanityOf({ status: 'done', sanityFlags: [converged], attacks: [pgd], curves: [] });
    expect(rows.map((r) => [r.code, r.severity])).toEqual([
      ['gradients', 'pass'],
      ['outputs', 'pass'],
      ['budget', 'not-run'],
      ['noise', 'pass'],
      ['convergence', 'pass'],
    ]);
  });
});
