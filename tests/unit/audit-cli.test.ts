import { describe, expect, it } from 'vitest';
import { auditTable, formatBudget, parseThreshold } from '../../src/main/cli/commands/audit';
import { describeProgress, formatDuration } from '../../src/main/cli/progress';
import { AuditProgressTracker } from '../../src/main/engine/audit/progress';
import type { AuditDetail } from '../../src/shared/api';

describe('audit command formatting', () => {
  it('reads --fail-under as a fraction or a percentage', () => {
    expect(parseThreshold('0.4')).toBe(0.4);
    expect(parseThreshold('40%')).toBe(0.4);
    expect(parseThreshold('40')).toBe(0.4);
    expect(() => parseThreshold('150%')).toThrow('--fail-under must be at most 100%, got "150%"');
    expect(() => parseThreshold('high')).toThrow(/such as 0.4 or 40%/);
  });

  it('shows every budget with its norm and unit', () => {
    expect(formatBudget({ eps: 4 / 255, steps: 50, unit: 'pixel [0,1]', norm: 'linf' })).toBe(
      'L∞ ε = 4/255 ≈ 0.0157 [0,1] px, 50 steps',
    );
    expect(formatBudget({ eps: 0.02, steps: 1, unit: 'latent', norm: 'linf' })).toBe(
      'L∞ η = 0.02 latent, 1 step',
    );
    expect(formatBudget({ eps: 128, unit: 'attack-specific', norm: 'fog' })).toBe(
      'fog ε = 128 (attack units)',
    );
  });

  it('prints attack | budget | accuracy, then standard and worst case', () => {
    const attack = (name: string, accuracy: number) => ({
      key: name,
      preset: name,
      attackId: name,
      name,
      family: 'seen' as const,
      space: 'image' as const,
      budget: { eps: 4 / 255, steps: 5, unit: 'pixel [0,1]' as const, norm: 'linf' },
      accuracy,
      correct: accuracy * 100,
      total: 100,
      timeMs: 0,
      imagesPerSecond: 0,
      meanPerturbationNorm: 0,
      maxPerturbationNorm: 0,
    });
    const table = auditTable({
      attacks: [attack('FGSM', 0.5), attack('PGD-5', 0.25)],
      standardAccuracy: 0.9,
      worstCaseAccuracy: 0.2,
      samples: 100,
    } as AuditDetail);
    // Intervals checked by hand: Wilson 95 % for 50/100 is [40.4, 59.6] %, for 90/100 [82.6, 94.5] %.
    expect(table.split('\n')).toEqual([
      'attack                   budget                                   accuracy  95 % interval',
      '───────────────────────  ───────────────────────────────────────  ────────  ─────────────',
      'FGSM                     L∞ ε = 4/255 ≈ 0.0157 [0,1] px, 5 steps    50.0 %    40.4–59.6 %',
      'PGD-5                    L∞ ε = 4/255 ≈ 0.0157 [0,1] px, 5 steps    25.0 %    17.5–34.3 %',
      '───────────────────────  ───────────────────────────────────────  ────────  ─────────────',
      'standard (no attack)     –                                          90.0 %    82.6–94.5 %',
      'worst case (per sample)  all attacks above                          20.0 %    13.3–28.9 %',
      'n = 100 samples; intervals are 95 % Wilson score intervals.',
      'With 100 samples an accuracy is uncertain by up to ±9.6 points (95 % Wilson interval): differences smaller than that are not evidence; audit more samples for a tighter estimate.',
    ]);
  });
});

describe('audit progress', () => {
  it('combines worker reports into samples done, attacks done, images/s and an ETA', () => {
    let now = 0;
    const t = new AuditProgressTracker(
      [
        { label: 'clean', weight: 1, isAttack: false },
        { label: 'FGSM', weight: 2, isAttack: true },
        { label: 'PGD-50', weight: 51, isAttack: true },
      ],
      [60, 40],
      () => now,
    );
    now = 100;
    // Too early for a rate: no images/s or ETA rather than a wild guess.
    expect(t.update(0, { phase: 0, samplesDone: 20 })).toMatchObject({
      imagesPerSecond: undefined,
      etaSeconds: undefined,
    });
    now = 1000;
    t.update(0, { phase: 1, samplesDone: 60 });
    const p = t.update(1, { phase: 2, samplesDone: 10 });
    // Worker 0 finished clean and FGSM; worker 1 finished both and is 10 into PGD-50.
    expect(p).toMatchObject({
      phase: 'PGD-50',
      done: 10,
      total: 100,
      attacksDone: 1,
      attacksTotal: 2,
    });
    // 100 clean + 100 FGSM + 10 PGD images in 1 s.
    expect(p.imagesPerSecond).toBeCloseTo(210, 9);
    // Work done 100·1 + 100·2 + 10·51 = 810 of 5400 per second → 4590 left at 810/s.
    expect(p.etaSeconds).toBeCloseTo(4590 / 810, 9);
    expect(describeProgress(p)).toBe(
      'PGD-50: 10/100 samples · attacks 1/2 · 15 % of the audit · 210.0 img/s · ETA 6s',
    );
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(75)).toBe('1m 15s');
  });
});
