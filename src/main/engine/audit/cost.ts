/**
 * What an audit will cost before it starts, in image-gradient evaluations (one forward and
 * backward pass of one image): the number that decides its run time on any backend, and the one
 * the cap on a single audit is stated in.
 */
import { LIMITS, formatCount } from '../../../shared/limits';
import type { ResolvedSuite, ResolvedSuiteAttack } from './suites';

function perSample(a: Pick<ResolvedSuiteAttack, 'budget' | 'options'>): number {
  const restarts = typeof a.options.restarts === 'number' ? Math.max(1, a.options.restarts) : 1;
  // Every step is a gradient; the final prediction is one more forward pass.
  return (a.budget.steps ?? 1) * restarts + 1;
}

export function auditGradientEvaluations(suite: ResolvedSuite, samples: number): number {
  const attacks = suite.attacks.reduce((n, a) => n + perSample(a), 0);
  const sweeps = suite.sweeps.reduce((n, s) => n + s.eps.length * perSample(s.base), 0);
  // The clean pass is one forward pass per sample.
  return samples * (1 + attacks + sweeps);
}

/** Why an audit of this size is refused, or undefined when it is within the cap. */
export function auditCostProblem(evaluations: number): string | undefined {
  if (evaluations <= LIMITS.auditGradientEvaluations) return undefined;
  return (
    `this audit needs ${formatCount(evaluations)} image-gradient evaluations, over the cap of ` +
    `${formatCount(LIMITS.auditGradientEvaluations)} for one audit; use fewer samples, steps or restarts, or split it into several audits`
  );
}
