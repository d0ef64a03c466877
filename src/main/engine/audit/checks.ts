/**
 * Trust checks that run after every audit (gradient masking and the like) and are stored with
 * it as sanity flags. A check is a function of the audit's plan, models and results; add one by
 * appending it to AUDIT_CHECKS.
 */
import type { SanityFlag } from '../../../shared/api';
import type { AuditModels, AuditPlan } from './run-audit';
import type { summariseAudit } from './summarise';
import { convergenceChecks } from './convergence-audit-check';
import { gradientMaskingChecks } from './sanity-audit-check';

export interface AuditCheckInput {
  plan: AuditPlan;
  models: AuditModels;
  results: ReturnType<typeof summariseAudit>;
  signal?: AbortSignal;
}

export type AuditCheck = (input: AuditCheckInput) => Promise<SanityFlag[]>;

export const AUDIT_CHECKS: AuditCheck[] = [gradientMaskingChecks, convergenceChecks];

/** Run every check; a check that throws becomes an error flag rather than failing the audit. */
export async function runAuditChecks(
  input: AuditCheckInput,
  checks: readonly AuditCheck[] = AUDIT_CHECKS,
): Promise<SanityFlag[]> {
  const flags: SanityFlag[] = [];
  for (const check of checks) {
    try {
      flags.push(...(await check(input)));
    } catch (err) {
      flags.push({
        check: check.name || 'check',
        severity: 'error',
        message: `A sanity check could not run: ${(err as Error).message}`,
        attackKey: null,
        details: {},
      });
    }
  }
  return flags;
}
