/** The convergence check's rules: stronger settings, the sample subset, measures and flags. */
import { describe, expect, it } from 'vitest';
import {
  CONVERGENCE,
  CONVERGENCE_CHECKS,
  convergenceChunks,
  convergenceFlags,
  convergenceMeasures,
  convergenceTargets,
  strongerSetting,
} from '../../src/main/engine/audit/convergence';
import { auditPhases } from '../../src/main/engine/audit/run-audit';
import { BUILTIN_SUITES, resolveSuite } from '../../src/main/engine/audit/suites';
import type { AuditOutcomes } from '../../src/main/engine/audit/outcomes';

const SHAPE = [28, 28, 1];
const suiteOf = (attacks: { preset: string; steps?: number; options?: object; label?: string }[]) =>
  resolveSuite({ name: 't', attacks } as never, SHAPE);

describe('stronger settings', () => {
  it('double the steps and add restarts where the attack is random', () => {
    const [pgd, mia, fgsm, gabor, apgd] = suiteOf([
      { preset: 'pgd-50' },
      { preset: 'mia-50' },
      { preset: 'fgsm' },
      { preset: 'gabor' },
      { preset: 'apgd-ce' },
    ]).attacks;
    expect(strongerSetting(pgd)).toMatchObject({ steps: 100, restarts: 3 });
    expect(strongerSetting(pgd)!.budget).toEqual({ ...pgd.budget, steps: 100 });
    // MIA has no random start: another seed would find nothing new.
    expect(strongerSetting(mia)).toMatchObject({ steps: 100, restarts: 1 });
    expect(strongerSetting(fgsm)).toBeUndefined();
    expect(strongerSetting(gabor)).toMatchObject({ steps: 400, restarts: 3 });
    expect(strongerSetting(apgd)).toMatchObject({ steps: 200, restarts: 3 });
  });
});

describe('the reliable suite', () => {
  it('holds every attack with its stronger setting, so nothing is run twice', () => {
    const suite = resolveSuite(BUILTIN_SUITES.reliable, SHAPE);
    expect(suite.attacks.map((a) => a.key)).toEqual([
      'APGD-CE',
      'APGD-CE · 200 steps × 3 restarts',
      'APGD-DLR',
      'APGD-DLR · 200 steps × 3 restarts',
      'PGD-50',
      'PGD-50 · 100 steps × 3 restarts',
      'MIA-50',
      'MIA-50 · 100 steps',
    ]);
    const targets = convergenceTargets(suite);
    expect(targets.map((t) => suite.attacks[t.attack].key)).toEqual([
      'APGD-CE',
      'APGD-DLR',
      'PGD-50',
      'MIA-50',
    ]);
    for (const t of targets) expect(t.counterpart).toBe(t.attack + 1);
    expect(auditPhases(suite, 1000).some((p) => p.label.startsWith('convergence'))).toBe(false);
  });
});

describe('the subset', () => {
  it('spreads about 100 samples evenly, in chunks given to batches spread over the audit', () => {
    const chunks = convergenceChunks(2000, 20);
    const positions = chunks.flatMap((c) => c.positions);
    expect(positions.length).toBe(CONVERGENCE.samples);
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions[0]).toBe(0);
    expect(positions.at(-1)).toBe(1980);
    expect(chunks.map((c) => c.batch)).toEqual([0, 5, 10, 15]);
    // Fewer samples than the subset size: every sample once.
    expect(convergenceChunks(30, 1).flatMap((c) => c.positions)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });
});

/** Outcomes of `n` samples where column k is correct on the first correct[k] samples. */
function outcomes(keys: string[], correct: number[], n = 100): AuditOutcomes {
  return {
    sampleIndices: Array.from({ length: n }, (_, i) => 10 * i),
    labels: new Array(n).fill(0),
    cleanPredicted: new Array(n).fill(0),
    cleanCorrect: new Array(n).fill(true),
    attacks: keys.map((key, k) => ({
      key,
      correct: Array.from({ length: n }, (_, i) => i < correct[k]),
      predicted: new Array(n).fill(0),
      perturbationNorm: new Array(n).fill(0),
    })),
  };
}

describe('measures and flags', () => {
  it('compare an attack with its stronger column on every sample', () => {
    const suite = suiteOf([
      { preset: 'pgd-50' },
      { preset: 'pgd-50', steps: 100, options: { restarts: 3 }, label: 'PGD-50 strong' },
    ]);
    const m = convergenceMeasures(suite, outcomes(['PGD-50', 'PGD-50 strong'], [60, 57]), []);
    expect(m).toEqual([
      {
        key: 'PGD-50',
        samples: 100,
        baseAccuracy: 0.6,
        strongerAccuracy: 0.57,
        dropPoints: expect.closeTo(3, 9),
        steps: 100,
        restarts: 3,
        fromSuite: true,
      },
    ]);
    const [flag] = convergenceFlags(suite, m);
    expect(flag).toMatchObject({
      check: CONVERGENCE_CHECKS.notConverged,
      severity: 'warning',
      attackKey: 'PGD-50',
    });
    expect(flag.message).toBe(
      'PGD-50 not converged at ε = 4/255 ≈ 0.0157 [0,1] px: −3.0 pts with 100 steps × 3 restarts ' +
        '(60.0 % → 57.0 % on all 100 samples), so its column overstates robustness: give it more ' +
        'steps, or restarts (options.restarts in the suite).',
    );
  });

  it('count only the samples the audit left correct, on the subset the stronger setting ran', () => {
    const suite = suiteOf([{ preset: 'l2' }]);
    const o = outcomes(['L2'], [50]);
    // The stronger setting breaks samples 40..49 and "repairs" 50..59: only the first count.
    const tally = {
      key: 'L2',
      sampleIndices: o.sampleIndices.slice(0, 60),
      correct: Array.from({ length: 60 }, (_, i) => i < 40 || i >= 50),
    };
    const [m] = convergenceMeasures(suite, o, [tally]);
    expect(m).toMatchObject({ samples: 60, fromSuite: false, steps: 100, restarts: 3 });
    expect(m.baseAccuracy).toBeCloseTo(50 / 60, 12);
    expect(m.strongerAccuracy).toBeCloseTo(40 / 60, 12);
    expect(m.dropPoints).toBeCloseTo((100 * 10) / 60, 9);
  });

  it('raise no warning at a drop of 1 point, and list the converged attacks in one note', () => {
    const suite = suiteOf([
      { preset: 'pgd-50' },
      { preset: 'pgd-50', steps: 100, options: { restarts: 3 }, label: 'strong' },
    ]);
    const flags = convergenceFlags(
      suite,
      convergenceMeasures(suite, outcomes(['PGD-50', 'strong'], [60, 59]), []),
    );
    expect(flags).toEqual([
      {
        check: CONVERGENCE_CHECKS.converged,
        severity: 'info',
        attackKey: null,
        message:
          'Converged (at most 1 pt lower with 2× steps and up to 3 restarts): PGD-50 −1.0 pts ' +
          '(100 steps × 3 restarts on all 100 samples).',
        details: { attacks: 1 },
      },
    ]);
  });
});
