/** The stored audit a report reads, refused with a clear message unless it finished. */
import type { AuditRecord } from '../../../store/audits';
import type { Store } from '../../../store/index';

/** An audit that cannot be reported; the message names the audit and what is wrong. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

export function finishedAudit(store: Store, auditId: string): AuditRecord {
  const audit = store.audits.find(auditId);
  if (!audit) throw new ReportInputError(`audit "${auditId}" not found in ${store.path}`);
  if (
    audit.status !== 'done' ||
    audit.standardAccuracy === null ||
    audit.worstCaseAccuracy === null
  ) {
    throw new ReportInputError(
      `audit "${auditId}" is ${audit.status}; only a finished audit (status done) can be reported`,
    );
  }
  return audit;
}

/** A non-empty string (numbers printed as they are), else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}
