/**
 * From the parts computed by one or several processes to the audit's results: outcomes merged
 * by sample index, per-attack accuracy and perturbation statistics, the per-sample worst case,
 * the sweep curves and the gallery.
 */
import type { AttackResultInfo, SweepCurve } from '../../../shared/api';
import type { AuditResults } from '../../store/index';
import { mergeConvergence, type ConvergenceTally } from './convergence';
import { chooseGallery } from './gallery';
import { accuracyOf, mergeOutcomes, worstCase } from './outcomes';
import type { AuditPart } from './run-audit';
import type { ResolvedSuite } from './suites';

/** One attack's stored result from its counts (the full audit's and a cancelled one's alike). */
export function attackResultOf(
  a: ResolvedSuite['attacks'][number],
  t: { correct: number; total: number; timeMs: number; normSum: number; normMax: number },
): AttackResultInfo {
  return {
    key: a.key,
    preset: a.preset.id,
    attackId: a.preset.attackId,
    name: a.key,
    family: a.info.family,
    space: a.attack.space,
    budget: a.info.budget,
    accuracy: t.total === 0 ? 0 : t.correct / t.total,
    correct: t.correct,
    total: t.total,
    timeMs: t.timeMs,
    imagesPerSecond: t.timeMs > 0 ? (1000 * t.total) / t.timeMs : 0,
    meanPerturbationNorm: t.total === 0 ? 0 : t.normSum / t.total,
    maxPerturbationNorm: t.normMax,
    options: a.info.options,
  };
}

export function summariseAudit(
  suite: ResolvedSuite,
  parts: readonly AuditPart[],
  opts: { galleryPerAttack: number; durationMs: number },
): Omit<AuditResults, 'sanityFlags' | 'reproducibility'> & { convergence: ConvergenceTally[] } {
  const outcomes = mergeOutcomes(parts.map((p) => p.outcomes));
  const attacks: AttackResultInfo[] = suite.attacks.map((a, i) => {
    const tallies = parts.map((p) => p.attacks[i]);
    return attackResultOf(a, {
      correct: tallies.reduce((s, t) => s + t.correct, 0),
      total: tallies.reduce((s, t) => s + t.total, 0),
      // Parts run side by side: the attack's wall time is the slowest part's.
      timeMs: Math.max(...tallies.map((t) => t.timeMs)),
      normSum: tallies.reduce((s, t) => s + t.normSum, 0),
      normMax: Math.max(0, ...tallies.map((t) => t.normMax)),
    });
  });
  const curves: SweepCurve[] = suite.sweeps.map((s) => ({
    preset: s.preset,
    name: s.base.key,
    unit: s.base.attack.unit,
    norm: s.base.attack.norm,
    points: s.eps.map((eps) => {
      const points = parts.flatMap((p) =>
        p.sweeps.filter((x) => x.preset === s.preset && x.eps === eps),
      );
      const correct = points.reduce((a, x) => a + x.correct, 0);
      const total = points.reduce((a, x) => a + x.total, 0);
      return { eps, accuracy: total === 0 ? 0 : correct / total };
    }),
  }));
  return {
    standardAccuracy: accuracyOf(outcomes.cleanCorrect),
    worstCaseAccuracy: worstCase(outcomes).accuracy,
    durationMs: opts.durationMs,
    attacks,
    outcomes,
    curves,
    convergence: mergeConvergence(parts.map((p) => p.convergence ?? [])),
    gallery: chooseGallery(
      parts.flatMap((p) => p.gallery),
      suite.attacks.map((a) => a.key),
      opts.galleryPerAttack,
    ),
  };
}
