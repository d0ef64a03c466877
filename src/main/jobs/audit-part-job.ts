/**
 * Job kind "audit-part": one process's share of an audit (a range of batches). It reads the
 * batches an earlier attempt finished from the audit's journal and journals each one it finishes.
 */
import { prepareAudit, type AuditSetup } from '../engine/audit/prepare';
import { runAuditPart, type AuditPart } from '../engine/audit/run-audit';
import { initBackend } from '../engine/runtime/backend';
import { openStore } from '../store/index';
import { storeJournal } from './audit-journal';
import type { JobHandler } from './messages';

export interface AuditPartParams {
  setup: AuditSetup;
  range: [number, number];
  /** The audit's database and id, for its batch journal. */
  dbPath: string;
  auditId: string;
}

export const auditPartJob: JobHandler<AuditPartParams, AuditPart> = async (ctx) => {
  await initBackend();
  const store = openStore(ctx.params.dbPath);
  const prepared = await prepareAudit(ctx.params.setup);
  try {
    return await runAuditPart(prepared.plan, prepared.models, {
      range: ctx.params.range,
      signal: ctx.signal,
      journal: storeJournal(store, ctx.params.auditId),
      onProgress: (p) =>
        ctx.progress({ phase: String(p.phase), done: p.samplesDone, total: 0, unit: 'samples' }, p),
    });
  } finally {
    prepared.dispose();
    store.close();
  }
};
