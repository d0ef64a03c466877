/**
 * Job kind "train": runs one stored training run in this process. Reads the run's config from
 * the store, streams per-step and per-epoch metrics (also written to run_metrics), checkpoints
 * to <home>/runs/<runId>/ (rows in checkpoints), and on success saves the classifier under
 * <home>/models/ and adds it to the library. With `resume`, it continues from the latest
 * checkpoint; metrics after that checkpoint are dropped first, since the run replays them
 * exactly (the loop is deterministic given the seed).
 */
import { defaultReplicas, replicableGenerator } from '../engine/parallel/replica-group';
import { batchMomentsInstalled } from '../engine/runtime/batch-moments';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { MetricPoint, TrainingConfig } from '../../shared/api';
import type { TrainJobParams } from '../api/runs';
import { describeModelFolder } from '../api/library';
import { initBackend } from '../engine/runtime/backend';
import { saveClassifier } from '../engine/models/save';
import { loadCheckpoint, saveCheckpoint } from '../engine/training/checkpoint';
import { loadSplit, openDataset } from '../engine/training/dataset';
import { classifierFor } from '../engine/training/model-setup';
import { METHODS } from '../engine/training/methods/index';
import { itersPerEpoch, train, type EpochMetrics } from '../engine/training/train';
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

function epochPoints(m: EpochMetrics): MetricPoint[] {
  const at = new Date().toISOString();
  const values: [string, number | undefined][] = [
    ['trainLoss', m.trainLoss],
    ['cleanAcc', m.cleanAcc],
    ['pgdAcc', m.pgdAcc],
    ['omPgdAcc', m.omPgdAcc],
    ['epochSeconds', m.seconds],
  ];
  return values
    .filter((v): v is [string, number] => v[1] !== undefined && Number.isFinite(v[1]))
    .map(([name, value]) => ({ scope: 'epoch', epoch: m.epoch, step: m.step, name, value, at }));
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
  const { runId, home, datasetPath, initModelPath, resume } = ctx.params;
  try {
    const backend = await initBackend();
    const run = store.runs.get(runId);
    const config: TrainingConfig = run.config;
    store.runs.update(runId, { status: 'running', backend: backend.backend, error: null });
    ctx.log('info', `backend ${backend.backend} (${backend.provider})`);

    const ds = await openDataset(datasetPath);
    const trainSplit = await loadSplit(ds, 'train', { samples: config.samples, seed: config.seed });
    const evalSplitName = ds.manifest.splits.test ? 'test' : 'train';
    const validation =
      config.validationSamples > 0
        ? (
            await loadSplit(ds, evalSplitName, {
              samples: config.validationSamples,
              seed: config.seed + 1,
            })
          ).onManifold
        : undefined;
    const { classifier, fresh, architecture } = await classifierFor({
      architecture: config.architecture,
      width: config.width,
      initModelPath,
      name: run.name,
      inputShape: ds.manifest.imageShape,
      numClasses: ds.manifest.numClasses,
      classNames: ds.manifest.classNames,
    });

    const runDir = path.join(home, 'runs', runId);
    const latest = resume ? store.checkpoints.latest(runId) : undefined;
    const resumeFrom =
      latest && existsSync(latest.path) ? await loadCheckpoint(latest.path) : undefined;
    if (resume && !resumeFrom)
      ctx.log('warn', 'no checkpoint found: starting the run from the beginning');
    store.runMetrics.truncateAfter(runId, resumeFrom?.step ?? 0);

    const ipe = itersPerEpoch(trainSplit.onManifold.size, config.batchSize);
    let replicas = resumeFrom
      ? (resumeFrom.replicas ?? 1)
      : (config.replicas ?? defaultReplicas(backend.backend, config.batchSize));
    if (replicas > 1 && !batchMomentsInstalled()) {
      // A checkpoint from a CPU machine resumed on tfjs-node: replicas do not apply here.
      ctx.log('warn', `replicas apply to the CPU backends, not ${backend.backend}: one thread`);
      replicas = 1;
    }
    if (replicas > 1 && ds.generator && !replicableGenerator(ds.generator)) {
      ctx.log('warn', 'the generator is a graph model, which replicas cannot copy: one thread');
      replicas = 1;
    }
    ctx.log(
      'info',
      `${replicas} replica thread${replicas === 1 ? '' : 's'} share each step (batch ${config.batchSize})`,
    );
    const started = performance.now();
    const startStep = resumeFrom?.step ?? 0;
    let lastMetrics: Record<string, number> = {};
    const result = await train(
      {
        method: config.method,
        classifier,
        generator: ds.generator,
        train: trainSplit.onManifold,
        validation,
        epochs: config.epochs,
        batchSize: config.batchSize,
        lrKnots: config.lrKnots,
        momentum: config.momentum,
        weightDecay: config.weightDecay,
        imageAttack: config.imageAttack,
        latentAttack: config.latentAttack,
        tradesBeta: config.tradesBeta,
        seed: config.seed,
        seedInit: fresh,
        replicas,
      },
      {
        resumeFrom,
        signal: ctx.signal,
        checkpointEvery: Math.max(1, Math.ceil(ipe / 4)),
        checkpoint: async (c) => {
          const file = path.join(runDir, `step-${String(c.step).padStart(7, '0')}.ckpt`);
          await saveCheckpoint(file, c);
          store.checkpoints.insert({ runId, epoch: c.epochsEvaluated, step: c.step, path: file });
        },
        onStep: (m) => {
          const at = new Date().toISOString();
          const points: MetricPoint[] = [
            { scope: 'step', epoch: m.epoch, step: m.step, name: 'loss', value: m.loss, at },
            { scope: 'step', epoch: m.epoch, step: m.step, name: 'lr', value: m.lr, at },
            {
              scope: 'step',
              epoch: m.epoch,
              step: m.step,
              name: 'imagesPerSecond',
              value: m.imagesPerSecond,
              at,
            },
          ];
          store.runMetrics.write(runId, points);
          ctx.metrics(points);
          const secondsPerStep = (performance.now() - started) / 1000 / (m.step - startStep);
          ctx.progress({
            phase: `epoch ${m.epoch}/${config.epochs}`,
            done: m.step,
            total: m.totalSteps,
            unit: 'steps',
            epoch: m.epoch,
            epochs: config.epochs,
            imagesPerSecond: m.imagesPerSecond,
            etaSeconds: secondsPerStep * (m.totalSteps - m.step),
          });
        },
        onEpoch: (m) => {
          const points = epochPoints(m);
          store.runMetrics.write(runId, points);
          ctx.metrics(points);
          lastMetrics = Object.fromEntries(points.map((p) => [p.name, p.value]));
          store.runs.update(runId, { epochsDone: m.epoch, lastMetrics });
        },
      },
    );

    if (result.cancelled) {
      if (parentGone(ctx.signal)) recordInterruption(store, runId, ctx.jobId);
      else store.runs.update(runId, { status: 'cancelled', error: null });
      classifier.dispose();
      return { runId, modelId: null, cancelled: true, epochs: result.epochs, lastMetrics };
    }
    const folder = path.join(home, 'models', `${runId}-${config.method}`);
    const spec = METHODS[config.method];
    await saveClassifier(folder, classifier, {
      name: run.name,
      architecture,
      provenance: {
        runId,
        method: config.method,
        methodName: spec.name,
        loss: spec.formula,
        dataset: ds.manifest.name,
        datasetPath,
        generatorSha256: ds.generatorSha256,
        config,
        backend: backend.backend,
      },
    });
    classifier.dispose();
    const info = await describeModelFolder(folder, { name: run.name });
    const model = store.models.insert({ ...info, sourceRunId: runId });
    store.runs.update(runId, { status: 'done', modelId: model.id, finished: true });
    return { runId, modelId: model.id, cancelled: false, epochs: result.epochs, lastMetrics };
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
