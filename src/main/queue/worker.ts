/**
 * `dmat worker --queue URL`: takes audit shards and training runs from the queue and runs them on
 * this machine's best backend (tfjs-node-gpu where present); training is train-worker.ts. The model and dataset come by content hash
 * (artifacts.ts). A shard of another version, or for another backend than the requester asked
 * for, is refused with the reason (UnrecoverableError: no retry elsewhere would differ). The
 * shard's result goes back through Redis; the requester merges and stores it.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { prepareAudit } from '../engine/audit/prepare';
import { runAuditPart } from '../engine/audit/run-audit';
import { appVersion } from '../engine/report/app-version';
import { initBackend } from '../engine/runtime/backend';
import { localArtifact } from './artifacts';
import { connect, parseQueueUrl } from './connection';
import {
  PARTS_QUEUE,
  TRAIN_QUEUE,
  cancelKey,
  type ShardData,
  type ShardProgress,
  type TrainData,
  type TrainOutcome,
} from './names';
import { trainProcessor, type RunningTraining } from './train-worker';
import { toWire } from './wire';

export interface WorkerOptions {
  queue: string;
  home: string;
  concurrency?: number;
  name?: string;
  /** Called with one line per event (shard taken, done, refused). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  close(): Promise<void>;
  /** Resolves when the worker has stopped. */
  closed: Promise<void>;
}

/** How long a shard's lock lasts without renewal; a killed worker's shard is re-run after it. */
export const LOCK_MS = 15_000;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const target = parseQueueUrl(o.queue);
  const redis = await connect(target, 'as a worker');
  const report = await initBackend();
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const log = o.log ?? (() => undefined);
  const version = appVersion();

  const processor = async (job: Job<ShardData>) => {
    const d = job.data;
    if (d.appVersion !== version) {
      throw new UnrecoverableError(
        `worker ${name} runs DMAT Studio ${version}, the audit was planned by ${d.appVersion}; run workers of the same version`,
      );
    }
    if (d.backend && d.backend !== report.backend) {
      throw new UnrecoverableError(
        `worker ${name} runs on ${report.backend}, the audit asked for ${d.backend} (outcomes must match a local run bit for bit); start it with DMAT_BACKEND=${d.backend}`,
      );
    }
    log(`${name}: ${job.name} of audit ${d.auditId} (batches ${d.range[0]}–${d.range[1] - 1})`);
    const [modelPath, datasetPath] = await Promise.all([
      localArtifact(d.model, o.home),
      localArtifact(d.dataset, o.home),
    ]);
    const controller = new AbortController();
    const poll = setInterval(() => {
      void redis.get(cancelKey(d.flowId)).then(
        (v) => {
          if (v) controller.abort();
        },
        () => undefined,
      );
    }, 500);
    const prepared = await prepareAudit({ ...d.setup, modelPath, datasetPath });
    try {
      const started = Date.now();
      const part = await runAuditPart(prepared.plan, prepared.models, {
        range: d.range,
        signal: controller.signal,
        onProgress: (detail) => {
          const p: ShardProgress = { worker: name, detail };
          void job.updateProgress(p as unknown as object).catch(() => undefined);
        },
      });
      log(
        `${name}: ${job.name} of audit ${d.auditId} done in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return toWire(part);
    } catch (err) {
      // Cancelled by the requester: no other worker should take the shard up again.
      if (controller.signal.aborted) {
        log(`${name}: ${job.name} of audit ${d.auditId} cancelled by its requester`);
        throw new UnrecoverableError('the audit was cancelled by its requester');
      }
      throw err;
    } finally {
      clearInterval(poll);
      prepared.dispose();
    }
  };

  const worker = new Worker<ShardData, string>(PARTS_QUEUE, processor, {
    connection: target.options as ConnectionOptions,
    concurrency: o.concurrency ?? 1,
    lockDuration: LOCK_MS,
    stalledInterval: 5_000,
    maxStalledCount: 3,
    name,
  });
  const running = new Map<string, RunningTraining>();
  const trainer = new Worker<TrainData, TrainOutcome>(
    TRAIN_QUEUE,
    trainProcessor({ name, home: o.home, redis, log, running }),
    {
      connection: target.options as ConnectionOptions,
      // One run at a time: a run already uses every core (its replica threads).
      concurrency: 1,
      lockDuration: LOCK_MS,
      stalledInterval: 5_000,
      maxStalledCount: 3,
      name,
    },
  );
  // A worker that could not renew a run's lock stops it: another worker continues the run from
  // its last checkpoint, and two workers must not write the same run.
  trainer.on('lockRenewalFailed', (ids) => {
    for (const id of ids) {
      const r = running.get(id);
      if (r) {
        r.lostLock = true;
        r.controller.abort();
      }
    }
  });
  for (const w of [worker, trainer] as Worker[]) {
    w.on('failed', (job, err) => log(`${name}: ${job?.name ?? 'a job'} failed: ${err.message}`));
    w.on('error', (err) => log(`${name}: ${err.message}`));
  }
  await Promise.all([worker.waitUntilReady(), trainer.waitUntilReady()]);
  log(
    `${name}: waiting for audit shards and training runs on ${target.display} (backend ${report.backend})`,
  );
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  return {
    name,
    closed,
    close: async () => {
      for (const r of running.values()) {
        r.stopping = true;
        r.controller.abort();
      }
      await Promise.all([worker.close(), trainer.close()]);
      redis.disconnect();
      resolveClosed();
    },
  };
}
