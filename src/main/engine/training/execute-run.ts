/**
 * One training run from its stored config to a saved classifier, with no store in sight: the
 * local "train" job and a queue worker (`dmat worker`) both call this and record what its sinks
 * report in their own way (SQLite rows; progress events through Redis). Checkpoints go to
 * `runDir`, the trained classifier to `modelDir`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MetricPoint, TrainingConfig } from '../../../shared/api';
import { saveClassifier } from '../models/save';
import { defaultReplicas, replicableGenerator } from '../parallel/replica-group';
import { batchMomentsInstalled } from '../runtime/batch-moments';
import { initBackend } from '../runtime/backend';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint';
import { loadSplit, openDataset } from './dataset';
import { METHODS } from './methods/index';
import { classifierFor } from './model-setup';
import { itersPerEpoch, train, type EpochMetrics } from './train';

export interface RunProgress {
  phase: string;
  done: number;
  total: number;
  unit: 'steps';
  epoch: number;
  epochs: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface ExecuteRunInput {
  runId: string;
  runName: string;
  config: TrainingConfig;
  datasetPath: string;
  initModelPath?: string;
  /** Checkpoints are written here as step-NNNNNNN.ckpt. */
  runDir: string;
  /** Where the trained classifier is saved. */
  modelDir: string;
  /** Continue from this checkpoint file (absent: from the start). */
  resumeFrom?: string;
  signal?: AbortSignal;
  log(level: 'info' | 'warn', message: string): void;
}

export interface ExecuteRunSinks {
  started?(info: {
    backend: string;
    provider: string;
    replicas: number;
    resumedStep: number;
  }): void;
  step(points: MetricPoint[], progress: RunProgress): void;
  epoch(points: MetricPoint[], epoch: number, lastMetrics: Record<string, number>): void;
  checkpoint(entry: { file: string; epoch: number; step: number }): void | Promise<void>;
}

export interface ExecuteRunResult {
  cancelled: boolean;
  epochs: number;
  lastMetrics: Record<string, number>;
  backend: string;
  /** Set when the run finished and its classifier was saved. */
  modelDir?: string;
}

export function epochPoints(m: EpochMetrics): MetricPoint[] {
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

export const checkpointFile = (runDir: string, step: number) =>
  path.join(runDir, `step-${String(step).padStart(7, '0')}.ckpt`);

export async function executeRun(
  input: ExecuteRunInput,
  sinks: ExecuteRunSinks,
): Promise<ExecuteRunResult> {
  const { config, log } = input;
  const backend = await initBackend();
  log('info', `backend ${backend.backend} (${backend.provider})`);

  const ds = await openDataset(input.datasetPath);
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
    initModelPath: input.initModelPath,
    name: input.runName,
    inputShape: ds.manifest.imageShape,
    numClasses: ds.manifest.numClasses,
    classNames: ds.manifest.classNames,
  });
  try {
    let resumeFrom: Checkpoint | undefined;
    if (input.resumeFrom && existsSync(input.resumeFrom))
      resumeFrom = await loadCheckpoint(input.resumeFrom);
    else if (input.resumeFrom)
      log('warn', 'no checkpoint found: starting the run from the beginning');

    const ipe = itersPerEpoch(trainSplit.onManifold.size, config.batchSize);
    let replicas = resumeFrom
      ? (resumeFrom.replicas ?? 1)
      : (config.replicas ?? defaultReplicas(backend.backend, config.batchSize));
    if (replicas > 1 && !batchMomentsInstalled()) {
      // A checkpoint from a CPU machine resumed on tfjs-node: replicas do not apply here.
      log('warn', `replicas apply to the CPU backends, not ${backend.backend}: one thread`);
      replicas = 1;
    }
    if (replicas > 1 && ds.generator && !replicableGenerator(ds.generator)) {
      log('warn', 'the generator is a graph model, which replicas cannot copy: one thread');
      replicas = 1;
    }
    log(
      'info',
      `${replicas} replica thread${replicas === 1 ? '' : 's'} share each step (batch ${config.batchSize})`,
    );
    const startStep = resumeFrom?.step ?? 0;
    sinks.started?.({
      backend: backend.backend,
      provider: backend.provider,
      replicas,
      resumedStep: startStep,
    });
    const started = performance.now();
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
        signal: input.signal,
        checkpointEvery: Math.max(1, Math.ceil(ipe / 4)),
        checkpoint: async (c) => {
          const file = checkpointFile(input.runDir, c.step);
          await saveCheckpoint(file, c);
          await sinks.checkpoint({ file, epoch: c.epochsEvaluated, step: c.step });
        },
        onStep: (m) => {
          const at = new Date().toISOString();
          const point = (name: string, value: number): MetricPoint => ({
            scope: 'step',
            epoch: m.epoch,
            step: m.step,
            name,
            value,
            at,
          });
          const secondsPerStep = (performance.now() - started) / 1000 / (m.step - startStep);
          sinks.step(
            [point('loss', m.loss), point('lr', m.lr), point('imagesPerSecond', m.imagesPerSecond)],
            {
              phase: `epoch ${m.epoch}/${config.epochs}`,
              done: m.step,
              total: m.totalSteps,
              unit: 'steps',
              epoch: m.epoch,
              epochs: config.epochs,
              imagesPerSecond: m.imagesPerSecond,
              etaSeconds: secondsPerStep * (m.totalSteps - m.step),
            },
          );
        },
        onEpoch: (m) => {
          const points = epochPoints(m);
          lastMetrics = Object.fromEntries(points.map((p) => [p.name, p.value]));
          sinks.epoch(points, m.epoch, lastMetrics);
        },
      },
    );
    if (result.cancelled)
      return { cancelled: true, epochs: result.epochs, lastMetrics, backend: backend.backend };
    const spec = METHODS[config.method];
    await saveClassifier(input.modelDir, classifier, {
      name: input.runName,
      architecture,
      provenance: {
        runId: input.runId,
        method: config.method,
        methodName: spec.name,
        loss: spec.formula,
        dataset: ds.manifest.name,
        datasetPath: input.datasetPath,
        generatorSha256: ds.generatorSha256,
        config,
        backend: backend.backend,
      },
    });
    return {
      cancelled: false,
      epochs: result.epochs,
      lastMetrics,
      backend: backend.backend,
      modelDir: input.modelDir,
    };
  } finally {
    classifier.dispose();
  }
}
