/**
 * Job kind "audit": runs a stored audit (in this process, or split over `workers` audit-part
 * processes whose outcomes merge exactly), runs the trust checks, and writes every result to
 * the store in one transaction. It holds the audit's lease while it runs; every finished batch
 * is journalled, so an interrupted or cancelled audit resumes (`resume: true`) where it stopped.
 * A failure, a cancellation or the death of the process that started it is written to the audit
 * row too.
 */
import { createHash } from 'node:crypto';
import { runAuditChecks } from '../engine/audit/checks';
import { prepareAudit, type AuditSetup, type PreparedAudit } from '../engine/audit/prepare';
import { AuditProgressTracker, type PartProgress } from '../engine/audit/progress';
import {
  auditPhases,
  batchCount,
  partIndices,
  partitionBatches,
  runAuditPart,
  AuditInputError,
  type AuditPart,
} from '../engine/audit/run-audit';
import { summariseAudit } from '../engine/audit/summarise';
import { appVersion } from '../engine/report/app-version';
import { initBackend } from '../engine/runtime/backend';
import { openStore, type Store } from '../store/index';
import { runPartsOnQueue } from '../queue/audit-shards';
import { WorkerThroughputTracker } from '../queue/throughput';
import { storeJournal } from './audit-journal';
import { savePartialOnCancel } from './audit-partial';
import { parentGone, withLease } from './lease';
import type { JobHandler } from './messages';
import { JobRunner } from './runner';

export interface AuditJobParams {
  auditId: string;
  dbPath: string;
  setup: AuditSetup;
  workers: number;
  datasetSha256?: string;
  /** The model's checksum when the audit was started: a resumed audit refuses a changed model. */
  modelSha256?: string;
  /** Run the parts as shards on `dmat worker` processes through this Redis queue. */
  queue?: string;
  queueBackend?: string;
}

export interface AuditJobResult {
  auditId: string;
  standardAccuracy: number;
  worstCaseAccuracy: number;
}

async function runParts(
  store: Store,
  prepared: PreparedAudit,
  params: AuditJobParams,
  ctx: Parameters<JobHandler<AuditJobParams>>[0],
): Promise<AuditPart[]> {
  const { plan, models } = prepared;
  const phases = auditPhases(plan.suite, plan.indices.length);
  const ranges = partitionBatches(batchCount(plan), params.workers);
  const tracker = new AuditProgressTracker(
    phases,
    ranges.map((r) => partIndices(plan, r).length),
  );
  if (params.queue) {
    const throughput = new WorkerThroughputTracker();
    return runPartsOnQueue({
      queue: params.queue,
      auditId: params.auditId,
      setup: params.setup,
      ranges,
      signal: ctx.signal,
      backend: params.queueBackend,
      onProgress: (k, detail, worker) => {
        const before = tracker.partImages(k);
        const p = tracker.update(k, detail as PartProgress);
        throughput.credit(worker, tracker.partImages(k) - before);
        ctx.progress({ ...p, workers: throughput.snapshot() });
      },
    });
  }
  if (ranges.length <= 1) {
    return [
      await runAuditPart(plan, models, {
        signal: ctx.signal,
        journal: storeJournal(store, params.auditId),
        onProgress: (p) => ctx.progress(tracker.update(0, p)),
      }),
    ];
  }
  const runner = new JobRunner({ killAfterMs: 3000 });
  const handles = await Promise.all(
    ranges.map((range, k) =>
      runner.start<AuditPart>(
        'audit-part',
        { setup: params.setup, range, dbPath: params.dbPath, auditId: params.auditId },
        { onDetail: (d) => ctx.progress(tracker.update(k, d as PartProgress)) },
      ),
    ),
  );
  const stop = () => void runner.cancelAll();
  ctx.signal.addEventListener('abort', stop);
  try {
    return await Promise.all(handles.map((h) => h.done));
  } catch (err) {
    await runner.cancelAll();
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

export const auditJob: JobHandler<AuditJobParams, AuditJobResult> = async (ctx) => {
  const store = openStore(ctx.params.dbPath);
  try {
    return await withLease(
      store,
      ctx.params.auditId,
      ctx.jobId,
      `audit ${ctx.params.auditId}`,
      () => runAudit(store, ctx),
    );
  } finally {
    store.close();
  }
};

async function runAudit(
  store: Store,
  ctx: Parameters<JobHandler<AuditJobParams>>[0],
): Promise<AuditJobResult> {
  const { auditId, setup } = ctx.params;
  const t0 = performance.now();
  let prepared: PreparedAudit | undefined;
  // Orphaned: record the interruption at once, before stopping the part processes (which can
  // take a while on a loaded machine): the process exits a minute after its parent's death.
  const onAbort = () => {
    if (parentGone(ctx.signal))
      recordInterruption(store, auditId, ctx.jobId, performance.now() - t0);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const backend = await initBackend();
    store.audits.markRunning(auditId, backend.backend);
    prepared = await prepareAudit(setup);
    if (ctx.params.modelSha256 && prepared.modelSha256 !== ctx.params.modelSha256) {
      throw new AuditInputError(
        `${setup.modelPath}: the model's files changed since audit ${auditId} started (sha256 ${ctx.params.modelSha256.slice(0, 12)}… then, ${prepared.modelSha256.slice(0, 12)}… now); start a new audit`,
      );
    }
    const parts = await runParts(store, prepared, ctx.params, ctx);
    const durationMs = performance.now() - t0;
    const results = summariseAudit(prepared.plan.suite, parts, {
      galleryPerAttack: setup.galleryPerAttack,
      durationMs,
    });
    const sanityFlags = await runAuditChecks({
      plan: prepared.plan,
      models: prepared.models,
      results,
      signal: ctx.signal,
    });
    const configHash = createHash('sha256')
      .update(JSON.stringify({ ...setup, modelPath: undefined, datasetPath: undefined }))
      .digest('hex');
    store.saveAuditResults(auditId, {
      ...results,
      durationMs: performance.now() - t0,
      sanityFlags,
      reproducibility: {
        appVersion: appVersion(),
        backend: `${backend.backend} (${backend.provider})`,
        seed: setup.seed,
        configHash,
        modelSha256: prepared.modelSha256,
        ...(ctx.params.datasetSha256 ? { datasetSha256: ctx.params.datasetSha256 } : {}),
        batchSize: setup.batchSize,
        workers: ctx.params.workers,
        samples: prepared.plan.indices.length,
      },
    });
    return {
      auditId,
      standardAccuracy: results.standardAccuracy,
      worstCaseAccuracy: results.worstCaseAccuracy,
    };
  } catch (err) {
    const durationMs = performance.now() - t0;
    if (parentGone(ctx.signal)) {
      recordInterruption(store, auditId, ctx.jobId, durationMs);
    } else if (ctx.signal.aborted) {
      // Cancelled: keep what finished as a partial result, marked so; Resume completes it.
      if (!savePartialOnCancel(store, auditId, durationMs)) {
        store.audits.finish(auditId, { status: 'cancelled', durationMs, error: 'cancelled' });
      }
    } else {
      store.audits.finish(auditId, {
        status: 'failed',
        durationMs,
        error: (err as Error).message,
      });
    }
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    prepared?.dispose();
  }
}

/** Nobody is left to record an orphaned audit's end: its audit and job rows, together. */
function recordInterruption(
  store: Store,
  auditId: string,
  jobId: string,
  durationMs: number,
): void {
  const why = `interrupted: the process that started it ended; finished batches are kept (dmat audit --resume ${auditId})`;
  store.transaction(() => {
    store.audits.finish(auditId, { status: 'failed', durationMs, error: why });
    store.jobs.finish(jobId, 'failed', why);
  });
}
