/**
 * A worker's side of a training run: the job names the run's config, its dataset (and the
 * classifier to fine-tune) by content hash, and the requester's run and model folders. The run
 * executes here exactly as a local one (execute-run.ts); metrics, progress and checkpoints stream
 * back as job progress. After every checkpoint the job's data names it, so a worker that takes
 * the job up after this one was killed continues from there and replays the same steps.
 */
import { constants, promises as fs } from 'node:fs';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { sha256File } from '../engine/data/checksum';
import { appVersion } from '../engine/report/app-version';
import { executeRun } from '../engine/training/execute-run';
import { localArtifact } from './artifacts';
import { cancelKey, type TrainData, type TrainEvent, type TrainOutcome } from './names';

export interface RunningTraining {
  controller: AbortController;
  /** The lock could not be renewed: another worker continues the run. */
  lostLock: boolean;
  /** This worker is shutting down: the run goes back to the queue for another. */
  stopping: boolean;
}

export interface TrainProcessorOptions {
  name: string;
  home: string;
  redis: Redis;
  log: (line: string) => void;
  /** Running jobs by id: the worker aborts one whose lock it failed to renew (see worker.ts). */
  running: Map<string, RunningTraining>;
}

async function writable(dir: string, what: string, name: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, constants.W_OK);
  } catch (err) {
    throw new UnrecoverableError(
      `worker ${name} cannot write the requester's ${what} ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): mount the requester's $DMAT_HOME at the same path on the workers`,
    );
  }
}

export function trainProcessor(o: TrainProcessorOptions) {
  const version = appVersion();
  return async (job: Job<TrainData, TrainOutcome>, token?: string): Promise<TrainOutcome> => {
    const d = job.data;
    if (d.appVersion !== version) {
      throw new UnrecoverableError(
        `worker ${o.name} runs DMAT Studio ${version}, the run was queued by ${d.appVersion}; run workers of the same version`,
      );
    }
    o.log(`${o.name}: ${job.name}${d.resumeFrom ? ` from ${d.resumeFrom.path}` : ''}`);
    const [datasetPath, initModelPath] = await Promise.all([
      localArtifact(d.dataset, o.home),
      d.initModel ? localArtifact(d.initModel, o.home) : undefined,
    ]);
    await writable(d.runDir, 'run folder', o.name);
    if (d.resumeFrom) {
      const got = await sha256File(d.resumeFrom.path).catch(() => 'unreadable');
      if (got !== d.resumeFrom.sha256) {
        throw new UnrecoverableError(
          `worker ${o.name} cannot use the checkpoint ${d.resumeFrom.path} (${got === 'unreadable' ? 'unreadable here' : 'its sha256 differs'}): mount the requester's $DMAT_HOME at the same path on the workers`,
        );
      }
    }
    // Progress updates go out in order, without holding up the steps.
    let chain = Promise.resolve();
    const emit = (e: TrainEvent) => {
      chain = chain.then(() => job.updateProgress(e as unknown as object)).catch(() => undefined);
    };
    const controller = new AbortController();
    const entry: RunningTraining = { controller, lostLock: false, stopping: false };
    o.running.set(job.id!, entry);
    const poll = setInterval(() => {
      void o.redis.get(cancelKey(d.flowId)).then(
        (v) => {
          if (v) controller.abort();
        },
        () => undefined,
      );
    }, 500);
    try {
      const started = Date.now();
      const result = await executeRun(
        {
          runId: d.runId,
          runName: d.runName,
          config: d.config,
          datasetPath,
          initModelPath,
          runDir: d.runDir,
          modelDir: d.modelDir,
          resumeFrom: d.resumeFrom?.path,
          signal: controller.signal,
          log: (level, message) => {
            o.log(`${o.name}: ${message}`);
            emit({ type: 'log', level, message: `${o.name}: ${message}` });
          },
        },
        {
          started: ({ backend, replicas, resumedStep }) =>
            emit({
              type: 'started',
              worker: o.name,
              backend,
              replicas,
              resumedStep,
            }),
          step: (points, progress) => emit({ type: 'step', worker: o.name, points, progress }),
          epoch: (points, epoch, lastMetrics) =>
            emit({ type: 'epoch', points, epoch, lastMetrics }),
          checkpoint: async ({ file, epoch, step }) => {
            const sha256 = await sha256File(file);
            // Whoever takes the job up after this worker continues from here.
            await job.updateData({ ...job.data, resumeFrom: { path: file, sha256, step } });
            emit({ type: 'checkpoint', file, epoch, step, sha256 });
          },
        },
      );
      await chain;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      // Another worker holds the job now and continues from the last checkpoint.
      if (entry.lostLock) throw new Error(`worker ${o.name} lost the job's lock and stopped`);
      if (entry.stopping) {
        // Back to the queue, with the checkpoint just written: another worker continues.
        o.log(`${o.name}: ${job.name} handed back to the queue after ${seconds} s`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      o.log(
        `${o.name}: ${job.name} ${result.cancelled ? 'cancelled by its requester' : 'done'} after ${seconds} s`,
      );
      return {
        cancelled: result.cancelled,
        epochs: result.epochs,
        lastMetrics: result.lastMetrics,
        backend: result.backend,
        worker: o.name,
        ...(result.modelDir ? { modelDir: result.modelDir } : {}),
      };
    } finally {
      clearInterval(poll);
      o.running.delete(job.id!);
      await chain;
    }
  };
}
