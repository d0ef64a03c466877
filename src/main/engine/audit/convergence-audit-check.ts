/**
 * The convergence check (convergence.ts) as one of the audit's trust checks: it compares each
 * iterative attack's outcomes with its stronger setting, measured by the audit parts or present
 * as another column of the suite.
 */
import type { AuditCheck } from './checks';
import { convergenceFlags, convergenceMeasures } from './convergence';

export const convergenceChecks: AuditCheck = ({ plan, results }) =>
  Promise.resolve(
    convergenceFlags(
      plan.suite,
      convergenceMeasures(plan.suite, results.outcomes, results.convergence),
    ),
  );
