/** Job kind "audit-part": one process's share of an audit (a range of batches). */
import { prepareAudit, type AuditSetup } from '../engine/audit/prepare';
import { runAuditPart, type AuditPart } from '../engine/audit/run-audit';
import { initBackend } from '../engine/runtime/backend';
import type { JobHandler } from './messages';

export interface AuditPartParams {
  setup: AuditSetup;
  range: [number, number];
}

export const auditPartJob: JobHandler<AuditPartParams, AuditPart> = async (ctx) => {
  await initBackend();
  const prepared = await prepareAudit(ctx.params.setup);
  try {
    return await runAuditPart(prepared.plan, prepared.models, {
      range: ctx.params.range,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress({ phase: String(p.phase), done: p.samplesDone, total: 0, unit: 'samples' }, p),
    });
  } finally {
    prepared.dispose();
  }
};
