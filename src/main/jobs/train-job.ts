/**
 * Job kind "train": runs one stored training run in this process. Reads the run's config from
 * the store, streams per-step and per-epoch metrics (also written to run_metrics), checkpoints
 * to <home>/runs/<runId>/ (rows in checkpoints), and on success saves the classifier under
 * <home>/models/ and adds it to the library. With `resume`, it continues from the latest
 * checkpoint; metrics after that checkpoint are dropped first, since the run replays them
 * exactly (the loop is deterministic given the seed).
 */
import path from 'node:path';
import type { TrainingConfig } from '../../shared/api';
import type { TrainJobParams } from '../api/runs';
import { describeModelFolder } from '../api/library';
import {
  executeRun,
  type ExecuteRunInput,
  type ExecuteRunSinks,
} from '../engine/training/execute-run';
import { runTrainingOnQueue } from '../queue/train-remote';
import { openStore, type Store } from '../store/index';
import { parentGone, withLease } from './lease';
import type { JobHandler } from './messages';

export interface TrainJobResult {
  runId: string;
  modelId: string | null;
  cancelled: boolean;
  epochs: number;
  lastMetrics: Record<string, number>;
}

export const trainJob: JobHandler<TrainJobParams, TrainJobResult> = async (ctx) => {
  const store = openStore(ctx.params.dbPath);
  try {
    // Under the run's lease: a second `resume` of a run still training is refused unchanged.
    return await withLease(store, ctx.params.runId, ctx.jobId, `run ${ctx.params.runId}`, () =>
      trainRun(store, ctx),
    );
  } finally {
    store.close();
  }
};

/** Nobody is left to record it: the run and its job row say the same, together. */
function recordInterruption(store: Store, runId: string, jobId: string): void {
  const why = `interrupted: the process that started it ended; resume it with dmat resume ${runId}`;
  store.transaction(() => {
    store.runs.update(runId, { status: 'failed', error: why, finished: true });
    store.jobs.finish(jobId, 'failed', why);
  });
}

async function trainRun(
  store: Store,
  ctx: Parameters<JobHandler<TrainJobParams, TrainJobResult>>[0],
): Promise<TrainJobResult> {
  const { runId, home, datasetPath, initModelPath, resume, queue } = ctx.params;
  try {
    const run = store.runs.get(runId);
    const config: TrainingConfig = run.config;
    store.runs.update(runId, { status: 'running', error: null });
    const latest = resume ? store.checkpoints.latest(runId) : undefined;
    if (resume && !latest)
      ctx.log('warn', 'no checkpoint found: starting the run from the beginning');
    const input: ExecuteRunInput = {
      runId,
      runName: run.name,
      config,
      datasetPath,
      initModelPath,
      runDir: path.join(home, 'runs', runId),
      modelDir: path.join(home, 'models', `${runId}-${config.method}`),
      resumeFrom: latest?.path,
      signal: ctx.signal,
      log: (level, message) => ctx.log(level, message),
    };
    const sinks: ExecuteRunSinks = {
      started: ({ backend, resumedStep }) => {
        store.runs.update(runId, { backend });
        // The run replays exactly from its checkpoint: what was stored after it goes.
        store.runMetrics.truncateAfter(runId, resumedStep);
      },
      step: (points, progress) => {
        store.runMetrics.write(runId, points);
        ctx.metrics(points);
        ctx.progress(progress);
      },
      epoch: (points, epoch, lastMetrics) => {
        store.runMetrics.write(runId, points);
        ctx.metrics(points);
        store.runs.update(runId, { epochsDone: epoch, lastMetrics });
      },
      checkpoint: ({ file, epoch, step }) => {
        store.checkpoints.insert({ runId, epoch, step, path: file });
      },
    };
    const result = queue
      ? await runTrainingOnQueue({ queue, input, sinks })
      : await executeRun(input, sinks);

    if (result.cancelled) {
      if (parentGone(ctx.signal)) recordInterruption(store, runId, ctx.jobId);
      else store.runs.update(runId, { status: 'cancelled', error: null });
      return {
        runId,
        modelId: null,
        cancelled: true,
        epochs: result.epochs,
        lastMetrics: result.lastMetrics,
      };
    }
    const info = await describeModelFolder(result.modelDir!, { name: run.name });
    const model = store.models.insert({ ...info, sourceRunId: runId });
    store.runs.update(runId, { status: 'done', modelId: model.id, finished: true });
    return {
      runId,
      modelId: model.id,
      cancelled: false,
      epochs: result.epochs,
      lastMetrics: result.lastMetrics,
    };
  } catch (err) {
    if (parentGone(ctx.signal)) {
      recordInterruption(store, runId, ctx.jobId);
    } else {
      store.runs.update(runId, {
        status: ctx.signal.aborted ? 'cancelled' : 'failed',
        error: ctx.signal.aborted ? null : (err as Error).message,
        finished: !ctx.signal.aborted,
      });
    }
    throw err;
  }
}
