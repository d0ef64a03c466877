/**
 * Convergence check of the iterative attacks of an audit: does the robust accuracy still fall
 * when the attack gets twice the steps and a few restarts? If it does by more than
 * CONVERGENCE.thresholdPoints, the column overstates robustness and the audit says so next to it
 * ("PGD-L2-50 not converged at ε = 1 [0,1] px: −2.6 pts with 100 steps × 3 restarts").
 *
 * Where the suite already holds the stronger setting of an attack (the `reliable` suite does),
 * the two columns are compared on every sample at no extra cost. Otherwise the stronger setting
 * runs on about CONVERGENCE.samples samples spread evenly over the audit, in chunks assigned to
 * batch numbers, so that workers share the work and any split computes the same thing. A sample
 * counts as robust under the stronger setting only if the audit's own attack also left it correct,
 * so the measured drop is never negative: it counts samples the audit's attack missed.
 */
import type { SanityFlag } from '../../../shared/api';
import { formatPixels } from '../attacks/presets';
import { restartCount } from '../attacks/restarts';
import type { AttackOptions, Budget } from '../attacks/types';
import type { AuditOutcomes } from './outcomes';
import type { ResolvedSuite, ResolvedSuiteAttack } from './suites';

export const CONVERGENCE = {
  /** Samples the stronger settings run on (fewer when the audit has fewer). */
  samples: 100,
  /** Samples per chunk of that subset (the unit of work a worker takes). */
  chunk: 25,
  /** The stronger setting's steps, as a multiple of the attack's. */
  stepFactor: 2,
  /** Restarts of the stronger setting for attacks that draw anything at random. */
  restarts: 3,
  /** A drop of more than this many percentage points raises the flag. */
  thresholdPoints: 1,
} as const;

/** Ids of the stored flags. */
export const CONVERGENCE_CHECKS = {
  notConverged: 'attack-not-converged',
  converged: 'attacks-converged',
} as const;

export interface StrongerSetting {
  budget: Budget;
  options: AttackOptions;
  steps: number;
  restarts: number;
}

/** The stronger setting of an iterative attack; undefined for one-step attacks. */
export function strongerSetting(
  a: Pick<ResolvedSuiteAttack, 'attack' | 'budget' | 'options'>,
): StrongerSetting | undefined {
  const steps = a.budget.steps ?? 1;
  if (steps <= 1) return undefined;
  const own = restartCount(a.options);
  const restarts = a.attack.randomised(a.options) ? Math.max(own, CONVERGENCE.restarts) : own;
  const stronger = steps * CONVERGENCE.stepFactor;
  return {
    budget: { ...a.budget, steps: stronger },
    options: { ...a.options, restarts },
    steps: stronger,
    restarts,
  };
}

function sameOptions(a: AttackOptions, b: AttackOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('restarts');
  keys.delete('seed');
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * Index of a suite attack that is at least `a`'s stronger setting (same family, budget, step
 * size and options, at least the steps and restarts), or -1.
 */
export function strongerCounterpart(suite: ResolvedSuite, index: number): number {
  const a = suite.attacks[index];
  const want = strongerSetting(a);
  if (!want) return -1;
  return suite.attacks.findIndex(
    (b, j) =>
      j !== index &&
      b.preset.attackId === a.preset.attackId &&
      b.budget.eps === a.budget.eps &&
      b.budget.stepSize === a.budget.stepSize &&
      (b.budget.steps ?? 1) >= want.steps &&
      restartCount(b.options) >= want.restarts &&
      sameOptions(a.options, b.options),
  );
}

/** What the check runs for one attack of the suite. */
export interface ConvergenceTarget {
  /** Position of the attack in the suite. */
  attack: number;
  setting: StrongerSetting;
  /** Position of the suite attack that already is the stronger setting, or -1 (run it). */
  counterpart: number;
}

export function convergenceTargets(suite: ResolvedSuite): ConvergenceTarget[] {
  return suite.attacks.flatMap((a, i) => {
    const setting = strongerSetting(a);
    if (!setting) return [];
    // An attack that is itself another column's stronger setting is not checked again.
    const isCounterpartOfOther = suite.attacks.some(
      (_, j) => j !== i && strongerCounterpart(suite, j) === i,
    );
    if (isCounterpartOfOther) return [];
    return [{ attack: i, setting, counterpart: strongerCounterpart(suite, i) }];
  });
}

/** Positions (into the plan's sample list) of the evenly spread subset. */
export function convergenceSubset(sampleCount: number): number[] {
  const m = Math.min(CONVERGENCE.samples, sampleCount);
  return Array.from({ length: m }, (_, k) => Math.floor((k * sampleCount) / m));
}

export interface ConvergenceChunk {
  /** Chunk number (seeds derive from it). */
  index: number;
  /** Positions into the plan's sample list. */
  positions: number[];
  /** The batch number whose worker runs the chunk. */
  batch: number;
}

/** The subset in chunks, each assigned to a batch number spread over [0, batches). */
export function convergenceChunks(sampleCount: number, batches: number): ConvergenceChunk[] {
  const subset = convergenceSubset(sampleCount);
  const n = Math.ceil(subset.length / CONVERGENCE.chunk);
  return Array.from({ length: n }, (_, c) => ({
    index: c,
    positions: subset.slice(c * CONVERGENCE.chunk, (c + 1) * CONVERGENCE.chunk),
    batch: Math.floor((c * batches) / n),
  }));
}

/** Per-sample outcome of a stronger setting on the subset samples one part ran. */
export interface ConvergenceTally {
  key: string;
  /** Split indices of the samples. */
  sampleIndices: number[];
  /** Robust: right on the clean image and under the stronger setting. */
  correct: boolean[];
}

/** Tallies of several parts merged per attack key (the parts ran disjoint chunks). */
export function mergeConvergence(parts: readonly ConvergenceTally[][]): ConvergenceTally[] {
  const byKey = new Map<string, ConvergenceTally>();
  for (const t of parts.flat()) {
    const m = byKey.get(t.key) ?? { key: t.key, sampleIndices: [], correct: [] };
    m.sampleIndices.push(...t.sampleIndices);
    m.correct.push(...t.correct);
    byKey.set(t.key, m);
  }
  return [...byKey.values()];
}

/** Measured convergence of one attack. */
export interface ConvergenceMeasure {
  key: string;
  samples: number;
  /** Robust accuracy of the audit's attack on those samples. */
  baseAccuracy: number;
  /** Robust accuracy when the stronger setting must fail too. */
  strongerAccuracy: number;
  /** baseAccuracy − strongerAccuracy in percentage points, ≥ 0. */
  dropPoints: number;
  steps: number;
  restarts: number;
  /** True when the stronger setting is a column of the suite (compared on every sample). */
  fromSuite: boolean;
}

function measure(
  key: string,
  base: boolean[],
  stronger: boolean[],
  setting: StrongerSetting,
  fromSuite: boolean,
): ConvergenceMeasure {
  const n = base.length;
  const baseOk = base.filter(Boolean).length;
  const bothOk = base.filter((ok, i) => ok && stronger[i]).length;
  return {
    key,
    samples: n,
    baseAccuracy: n === 0 ? 0 : baseOk / n,
    strongerAccuracy: n === 0 ? 0 : bothOk / n,
    dropPoints: n === 0 ? 0 : (100 * (baseOk - bothOk)) / n,
    steps: setting.steps,
    restarts: setting.restarts,
    fromSuite,
  };
}

/** The measures of every checked attack, from the audit's outcomes and the tallies. */
export function convergenceMeasures(
  suite: ResolvedSuite,
  outcomes: AuditOutcomes,
  tallies: readonly ConvergenceTally[],
): ConvergenceMeasure[] {
  const position = new Map(outcomes.sampleIndices.map((s, i) => [s, i]));
  return convergenceTargets(suite).flatMap((t) => {
    const a = suite.attacks[t.attack];
    const column = outcomes.attacks.find((c) => c.key === a.key);
    if (!column) return [];
    if (t.counterpart >= 0) {
      const other = outcomes.attacks.find((c) => c.key === suite.attacks[t.counterpart].key);
      if (!other) return [];
      return [measure(a.key, column.correct, other.correct, t.setting, true)];
    }
    const tally = tallies.find((x) => x.key === a.key);
    if (!tally || tally.sampleIndices.length === 0) return [];
    const base = tally.sampleIndices.map((s) => column.correct[position.get(s) ?? -1] ?? false);
    return [measure(a.key, base, tally.correct, t.setting, false)];
  });
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

function budgetText(a: ResolvedSuiteAttack): string {
  const unit = a.attack.unit;
  const symbol = a.attack.space === 'latent' ? 'η' : 'ε';
  if (unit === 'pixel [0,1]') return `${symbol} = ${formatPixels(a.budget.eps)} [0,1] px`;
  const label = unit === 'latent' ? 'latent' : a.info.budget.norm;
  return `${symbol} = ${Number(a.budget.eps.toPrecision(4))} (${label})`;
}

function settingText(m: ConvergenceMeasure): string {
  return m.restarts > 1 ? `${m.steps} steps × ${m.restarts} restarts` : `${m.steps} steps`;
}

/** The flags: a warning per attack that is not converged, one summary of those that are. */
export function convergenceFlags(
  suite: ResolvedSuite,
  measures: readonly ConvergenceMeasure[],
): SanityFlag[] {
  const flags: SanityFlag[] = [];
  const converged: string[] = [];
  for (const m of measures) {
    const a = suite.attacks.find((x) => x.key === m.key)!;
    const drop = `−${m.dropPoints.toFixed(1)} pts`;
    const where = m.fromSuite ? `on all ${m.samples} samples` : `on ${m.samples} samples`;
    if (m.dropPoints > CONVERGENCE.thresholdPoints) {
      flags.push({
        check: CONVERGENCE_CHECKS.notConverged,
        severity: 'warning',
        message:
          `${m.key} not converged at ${budgetText(a)}: ${drop} with ${settingText(m)} ` +
          `(${pct(m.baseAccuracy)} → ${pct(m.strongerAccuracy)} ${where}), so its column ` +
          'overstates robustness: give it more steps, or restarts (options.restarts in the suite).',
        attackKey: m.key,
        details: {
          samples: m.samples,
          baseAccuracy: m.baseAccuracy,
          strongerAccuracy: m.strongerAccuracy,
          dropPoints: m.dropPoints,
          steps: m.steps,
          restarts: m.restarts,
          thresholdPoints: CONVERGENCE.thresholdPoints,
        },
      });
    } else {
      converged.push(`${m.key} ${drop} (${settingText(m)} ${where})`);
    }
  }
  if (converged.length > 0) {
    flags.push({
      check: CONVERGENCE_CHECKS.converged,
      severity: 'info',
      message:
        `Converged (at most ${CONVERGENCE.thresholdPoints} pt lower with ` +
        `${CONVERGENCE.stepFactor}× steps and up to ${CONVERGENCE.restarts} restarts): ` +
        `${converged.join('; ')}.`,
      attackKey: null,
      details: { attacks: converged.length },
    });
  }
  return flags;
}
