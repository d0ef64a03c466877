/**
 * A cancelled audit's partial result, from its journal in the store: written by the job when it
 * stops itself, or by the API when the job had to be killed. The audit's stored suite and sizes
 * say which batches make up each attack.
 */
import { partialResult } from '../engine/audit/partial';
import { resolveSuite } from '../engine/audit/suites';
import type { Store } from '../store/index';
import { storeJournal } from './audit-journal';

/** Stores the partial result and marks the audit cancelled; false when nothing had finished. */
export function savePartialOnCancel(store: Store, auditId: string, durationMs: number): boolean {
  try {
    return savePartial(store, auditId, durationMs);
  } catch {
    // A journal that cannot be read back leaves the audit cancelled without a partial result.
    return false;
  }
}

function savePartial(store: Store, auditId: string, durationMs: number): boolean {
  const audit = store.audits.get(auditId);
  const dataset = audit.datasetId ? store.datasets.find(audit.datasetId) : undefined;
  const suite = resolveSuite(audit.suite, dataset?.imageShape ?? [28, 28, 1], audit.suiteName);
  const partial = partialResult(
    { sampleCount: audit.samples, batchSize: audit.batchSize, suite },
    storeJournal(store, auditId),
  );
  if (!partial) return false;
  store.savePartialAuditResults(auditId, partial, {
    durationMs,
    error: `cancelled: partial result, ${partial.attacks.length} of ${partial.attacksTotal} attacks finished on every sample and no worst case (it needs every attack); Resume (dmat audit --resume ${auditId}) completes it`,
  });
  return true;
}
