/**
 * The audit's trust checks as one list with a status each: passed, flagged, not run (and why),
 * or could not run. The audit screen, the PDF and the CLI all render this list, computed from
 * what the audit stored (its flags, attacks and sweep curves), so they cannot disagree and a
 * check that did not run is never shown as passed.
 */
import type { AttackResultInfo, JobStatus, SanityFlag, SweepCurve } from './api';

export type CheckStatus = 'passed' | 'flagged' | 'not-run' | 'could-not-run';

export interface ChecklistItem {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence: what passed, the flags' messages, or why it did not run. */
  detail: string;
  /** The stored flags behind a "flagged" status. */
  flags: SanityFlag[];
}

export interface ChecklistInput {
  status: JobStatus;
  sanityFlags: readonly SanityFlag[];
  attacks: readonly AttackResultInfo[];
  curves: readonly SweepCurve[];
}

interface CheckSpec {
  id: string;
  title: string;
  /** Flag ids this check raises (warnings and errors; "info" flags are summaries). */
  raises: string[];
  /** The checks' runner: its failure is stored as an error flag under this name. */
  runner: string;
  passed: string;
  /** Why it did not run on this audit, or null when it ran. */
  notRun: (a: ChecklistInput) => string | null;
}

const gradientAttack = (r: AttackResultInfo) =>
  r.space === 'image' && (r.budget.norm === 'linf' || r.budget.norm === 'l2');

const CHECKS: CheckSpec[] = [
  {
    id: 'gradients',
    title: 'Input gradients finite and non-zero',
    raises: ['non-finite-gradients', 'zero-gradients'],
    runner: 'gradientMaskingChecks',
    passed: 'Every checked sample has a finite, non-zero input gradient.',
    notRun: () => null,
  },
  {
    id: 'outputs',
    title: 'Deterministic logits',
    raises: ['nondeterministic-outputs', 'probability-outputs'],
    runner: 'gradientMaskingChecks',
    passed: 'The same input gives the same outputs, and they are logits, not probabilities.',
    notRun: () => null,
  },
  {
    id: 'budget',
    title: 'Accuracy falls as the budget grows',
    raises: ['accuracy-not-falling'],
    runner: 'gradientMaskingChecks',
    passed: 'Along every sweep, robust accuracy never rises with ε.',
    notRun: (a) =>
      a.curves.length === 0 ? 'not run: the suite has no sweep (add "sweep" to an attack)' : null,
  },
  {
    id: 'noise',
    title: 'Gradient attacks beat random noise',
    raises: ['noise-beats-gradient-attack'],
    runner: 'gradientMaskingChecks',
    passed:
      'Every image-space L∞/L2 attack fools at least as many samples as random noise of its size.',
    notRun: (a) =>
      a.attacks.some(gradientAttack) ? null : 'not run: the suite has no image-space L∞/L2 attack',
  },
  {
    id: 'convergence',
    title: 'Convergence of iterative attacks',
    raises: ['attack-not-converged'],
    runner: 'convergenceChecks',
    passed: '',
    notRun: (a) =>
      a.sanityFlags.some(
        (f) => f.check === 'attack-not-converged' || f.check === 'attacks-converged',
      )
        ? null
        : 'not run: no iterative attack of the suite was measured with a stronger setting',
  },
];

/** Flag ids the checklist accounts for (raised, summaries and runner failures). */
export const CHECKLIST_FLAG_IDS: ReadonlySet<string> = new Set([
  ...CHECKS.flatMap((c) => [...c.raises, c.runner]),
  'attacks-converged',
]);

/** Every check with its status on this audit, in a fixed order. */
export function sanityChecklist(audit: ChecklistInput): ChecklistItem[] {
  return CHECKS.map((c) => {
    const base = { id: c.id, title: c.title };
    if (audit.status !== 'done') {
      return {
        ...base,
        status: 'not-run',
        detail: `not run: the audit is ${audit.status}`,
        flags: [],
      };
    }
    const failure = audit.sanityFlags.find((f) => f.check === c.runner);
    if (failure)
      return { ...base, status: 'could-not-run', detail: failure.message, flags: [failure] };
    const why = c.notRun(audit);
    if (why) return { ...base, status: 'not-run', detail: why, flags: [] };
    // An "info" flag under a check's id is a remark, not a problem: the check passed.
    const flags = audit.sanityFlags.filter(
      (f) => c.raises.includes(f.check) && f.severity !== 'info',
    );
    if (flags.length > 0) {
      return { ...base, status: 'flagged', detail: flags.map((f) => f.message).join(' '), flags };
    }
    const summary = audit.sanityFlags.find(
      (f) =>
        f.severity === 'info' &&
        (c.id === 'convergence' ? f.check === 'attacks-converged' : c.raises.includes(f.check)),
    );
    const detail = summary ? summary.message : c.passed;
    return { ...base, status: 'passed', detail, flags: [] };
  });
}

export const CHECK_STATUS_LABEL: Record<CheckStatus, string> = {
  passed: 'passed',
  flagged: 'flagged',
  'not-run': 'not run',
  'could-not-run': 'could not run',
};
