/**
 * The requester's side of a training run on a worker (`dmat train … --queue URL`): one BullMQ
 * job per attempt. The worker streams metrics, progress and checkpoints back as job progress;
 * this side records them through the same sinks as a local run, so the run's rows in SQLite are
 * what a local run would have stored. Checkpoints and the trained classifier are written by the
 * worker into this machine's run and model folders (mounted at the same path there) and
 * verified here by sha256. A worker killed mid-run loses its lock; another takes the job up from
 * the last checkpoint it recorded in the job's data, and the metrics after it are replayed.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Job, Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import { sha256File } from '../engine/data/checksum';
import { appVersion } from '../engine/report/app-version';
import type {
  ExecuteRunInput,
  ExecuteRunResult,
  ExecuteRunSinks,
} from '../engine/training/execute-run';
import { describeArtifact } from './artifacts';
import { ShardFailedError } from './audit-shards';
import { connect, parseQueueUrl } from './connection';
import {
  TRAIN_QUEUE,
  cancelKey,
  type TrainData,
  type TrainEvent,
  type TrainOutcome,
} from './names';

const POLL_MS = 250;
/** How long a cancelled run's worker gets to write its last checkpoint. */
const CANCEL_GRACE_MS = 60_000;

export interface RemoteTrainingOptions {
  queue: string;
  input: ExecuteRunInput;
  sinks: ExecuteRunSinks;
}

export async function runTrainingOnQueue(o: RemoteTrainingOptions): Promise<ExecuteRunResult> {
  const { input, sinks } = o;
  const target = parseQueueUrl(o.queue);
  const redis = await connect(target, 'to queue the training run');
  const connection = target.options as ConnectionOptions;
  const queue = new Queue<TrainData, TrainOutcome>(TRAIN_QUEUE, { connection });
  const events = new QueueEvents(TRAIN_QUEUE, { connection });
  // While Redis restarts, these reconnect on their own; their errors are not the run's.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  const flowId = `${input.runId}-${randomBytes(4).toString('hex')}`;
  try {
    const [dataset, initModel] = await Promise.all([
      describeArtifact('dataset', input.datasetPath),
      input.initModelPath ? describeArtifact('model', input.initModelPath) : undefined,
    ]);
    const resumeFrom =
      input.resumeFrom && existsSync(input.resumeFrom)
        ? { path: input.resumeFrom, sha256: await sha256File(input.resumeFrom) }
        : undefined;
    if (input.resumeFrom && !resumeFrom)
      input.log('warn', 'no checkpoint found: starting the run from the beginning');

    // Events arrive in the order the worker sent them; each is handled before the next.
    let chain = Promise.resolve();
    let lastWorker = '';
    const handle = async (e: TrainEvent) => {
      if (e.type === 'started') {
        lastWorker = e.worker;
        input.log(
          'info',
          `worker ${e.worker} (${e.backend}, ${e.replicas} thread${e.replicas === 1 ? '' : 's'}) ${e.resumedStep > 0 ? `continues from step ${e.resumedStep}` : 'starts the run'}`,
        );
        sinks.started?.({
          backend: e.backend,
          provider: `worker ${e.worker}`,
          replicas: e.replicas,
          resumedStep: e.resumedStep,
        });
      } else if (e.type === 'step') {
        sinks.step(e.points, { ...e.progress, phase: `${e.progress.phase} on ${e.worker}` });
      } else if (e.type === 'epoch') {
        sinks.epoch(e.points, e.epoch, e.lastMetrics);
      } else if (e.type === 'checkpoint') {
        await verifyFile(e.file, e.sha256, 'checkpoint');
        await sinks.checkpoint({ file: e.file, epoch: e.epoch, step: e.step });
      } else if (e.type === 'log') {
        input.log(e.level, e.message);
      }
    };
    await events.waitUntilReady();
    events.on('progress', ({ jobId, data }) => {
      if (jobId !== flowId || !data || typeof data !== 'object') return;
      const e = data as unknown as TrainEvent;
      chain = chain
        .then(() => handle(e))
        .catch((err: unknown) => {
          input.log('warn', (err as Error).message);
        });
    });
    const data: TrainData = {
      flowId,
      runId: input.runId,
      runName: input.runName,
      appVersion: appVersion(),
      config: input.config,
      dataset,
      ...(initModel ? { initModel } : {}),
      runDir: input.runDir,
      modelDir: input.modelDir,
      ...(resumeFrom ? { resumeFrom } : {}),
    };
    // One attempt: a failure in training is the run's (its config, its data) and says so; a
    // killed worker is a stall, which BullMQ hands to another worker without using attempts.
    const job = await queue.add(`train ${input.runId}`, data, {
      jobId: flowId,
      attempts: 1,
      // Kept a while for the app's Workers screen.
      removeOnComplete: { age: 3600, count: 500 },
      removeOnFail: { age: 24 * 3600, count: 500 },
    });
    input.log('info', `queued on ${target.display}; waiting for a worker`);
    let cancelAt = 0;
    for (;;) {
      const state = await job.getState().catch(() => 'unknown');
      if (state === 'completed' || state === 'failed') break;
      if (input.signal?.aborted && cancelAt === 0) {
        cancelAt = Date.now();
        await redis.set(cancelKey(flowId), '1', 'EX', 24 * 3600);
        if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
          await job.remove().catch(() => undefined);
          await chain;
          return { cancelled: true, epochs: 0, lastMetrics: {}, backend: 'queue' };
        }
      }
      if (cancelAt > 0 && Date.now() - cancelAt > CANCEL_GRACE_MS) {
        await chain;
        return { cancelled: true, epochs: 0, lastMetrics: {}, backend: 'queue' };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const done = await Job.fromId<TrainData, TrainOutcome>(queue, flowId);
    // Progress events still in flight are recorded before the outcome.
    await new Promise((r) => setTimeout(r, POLL_MS));
    await chain;
    if (!done || done.failedReason || !done.returnvalue) {
      throw new ShardFailedError(
        `the training run failed on ${lastWorker ? `worker ${lastWorker}` : 'a worker'}: ${done?.failedReason ?? 'no outcome'}`,
      );
    }
    const outcome = done.returnvalue;
    if (!outcome.cancelled && outcome.modelDir && !existsSync(outcome.modelDir)) {
      throw new ShardFailedError(
        `worker ${outcome.worker} saved the classifier to ${outcome.modelDir}, which this machine cannot read: mount $DMAT_HOME at the same path on both`,
      );
    }
    return {
      cancelled: outcome.cancelled,
      epochs: outcome.epochs,
      lastMetrics: outcome.lastMetrics,
      backend: outcome.backend,
      modelDir: outcome.modelDir,
    };
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
    redis.disconnect();
  }
}

async function verifyFile(file: string, sha256: string, what: string): Promise<void> {
  if (!existsSync(file)) {
    throw new ShardFailedError(
      `the worker wrote its ${what} to ${file}, which this machine cannot read: mount $DMAT_HOME at the same path on both`,
    );
  }
  const got = await sha256File(file);
  if (got !== sha256)
    throw new ShardFailedError(
      `${file}: sha256 ${got.slice(0, 12)}… differs from the worker's ${sha256.slice(0, 12)}…`,
    );
}
