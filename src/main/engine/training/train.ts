/**
 * The training loop shared by every method. Deterministic given the seed: epoch order and every
 * random number of step k derive from (seed, epoch) and (seed, k), so a run resumed from a
 * checkpoint replays exactly what the uninterrupted run would have done.
 *
 * Per step: the method crafts its adversarial inputs (classifier in inference mode, input
 * gradients only), then the loss is differentiated with respect to the trainable weights with
 * the classifier in training mode, and SGD-momentum updates them at the scheduled rate.
 * Per epoch: clean / PGD / OM-PGD accuracy on the validation subset, then a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingMethod } from '../../../shared/api';
import { deriveSeed } from '../attacks/seeds';
import type { LayersClassifier } from '../models/classifier';
import type { Generator } from '../models/types';
import { permutation } from '../manifold/random';
import type { Checkpoint } from './checkpoint';
import { disposeBatch, type TrainingSet } from './data';
import { ReplicaGroup } from '../parallel/replica-group';
import { methodContext, type MethodSettings } from './method-context';
import { evaluate, type EvaluationResult } from './evaluate';
import { methodSpec } from './methods/index';
import type {
  MethodBatch,
  MethodContext,
  TrainingAttackBudget,
  TrainingMethodSpec,
} from './methods/types';
import { SgdMomentum } from './optimizer';
import { knotProblems, lrForStep, type LrKnot } from './schedule';
import { getModelState, seedModelWeights, setBatchNormMomentum, setModelState } from './weights';

export interface TrainConfig {
  method: TrainingMethod;
  /** Trained in place. */
  classifier: LayersClassifier;
  generator?: Generator;
  train: TrainingSet;
  /** Validation subset evaluated after every epoch (omitted: no evaluation). */
  validation?: TrainingSet;
  epochs: number;
  batchSize: number;
  lrKnots: LrKnot[];
  momentum: number;
  weightDecay: number;
  /** PGD-K for training, [0,1] pixel units. Also the per-epoch PGD evaluation budget. */
  imageAttack?: TrainingAttackBudget;
  /** OM-PGD-K / OM-FGSM for training, latent units. Also the per-epoch OM-PGD budget. */
  latentAttack?: TrainingAttackBudget & { kind?: 'om-pgd' | 'om-fgsm' };
  tradesBeta?: number;
  seed: number;
  /** Steps of the per-epoch PGD / OM-PGD evaluation (default 10). */
  evalSteps?: number;
  /** Re-draw the initial weights from the seed (for freshly built architectures). */
  seedInit?: boolean;
  /**
   * Batch-norm running-statistics momentum to set before training (tfjs convention; default 0.9,
   * PyTorch's 0.1). Left as the model has it when null.
   */
  batchNormMomentum?: number | null;
  /**
   * Attacks use the frozen (batch-norm folded, input-gradient-only) forward pass of the model
   * (default true); false runs them through the model's own inference-mode `apply`.
   */
  frozenAttacks?: boolean;
  /**
   * Threads that share every step (data-parallel replicas: this one and `replicas − 1` worker
   * threads, batch split between them, batch-norm statistics and gradients shared). Default 1.
   * Unset on resume: the checkpoint's count, so the run replays exactly.
   */
  replicas?: number;
}

export interface StepMetrics {
  step: number;
  epoch: number;
  totalSteps: number;
  itersPerEpoch: number;
  loss: number;
  lr: number;
  imagesPerSecond: number;
}

export interface EpochMetrics extends Partial<EvaluationResult> {
  /** 1-based number of the epoch just finished. */
  epoch: number;
  /** Global step at the end of the epoch. */
  step: number;
  trainLoss: number;
  seconds: number;
}

export interface TrainHooks {
  onStep?(m: StepMetrics): void;
  onEpoch?(m: EpochMetrics): void;
  /** Receives a checkpoint after every epoch, every `checkpointEvery` steps, and on cancel. */
  checkpoint?(c: Checkpoint): Promise<void>;
  checkpointEvery?: number;
  resumeFrom?: Checkpoint;
  signal?: AbortSignal;
}

export interface TrainResult {
  steps: number;
  epochs: number;
  cancelled: boolean;
  /** Epochs finished in this call. */
  history: EpochMetrics[];
}

/** A configuration that cannot train, with the fields at fault. */
export class TrainingConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`training configuration: ${problems.join('; ')}`);
    this.name = 'TrainingConfigError';
  }
}

/** Seed streams: distinct from step numbers so they never collide. */
const SHUFFLE_STREAM = 1_000_000_000;
const EVAL_STREAM = 2_000_000_000;

export function itersPerEpoch(size: number, batchSize: number): number {
  // The last partial batch is dropped: batch-norm statistics of a tiny batch are noise.
  return Math.floor(size / batchSize);
}

export function configProblems(c: TrainConfig): string[] {
  const out: string[] = [];
  const spec = methodSpec(c.method);
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) out.push(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(c.epochs, 'epochs', 1);
  int(c.batchSize, 'batchSize', 2);
  if (c.replicas !== undefined) {
    int(c.replicas, 'replicas', 1);
    if (c.replicas > 1 && c.batchSize < 2 * c.replicas) {
      out.push(
        `batchSize (${c.batchSize}) must give each of the ${c.replicas} replicas at least 2 samples`,
      );
    }
  }
  if (c.train.size < c.batchSize) {
    out.push(
      `batchSize (${c.batchSize}) is larger than the training set (${c.train.size} records)`,
    );
  }
  out.push(...knotProblems(c.lrKnots));
  if (!(c.momentum >= 0 && c.momentum < 1))
    out.push(`momentum must be in [0,1), got ${c.momentum}`);
  if (!(c.weightDecay >= 0)) out.push(`weightDecay must be ≥ 0, got ${c.weightDecay}`);
  const budget = (b: TrainingAttackBudget | undefined, name: string, unit: string) => {
    if (!b) return out.push(`${name} is required by ${spec.name}`);
    if (!(b.eps > 0)) out.push(`${name}.eps must be > 0 (${unit}), got ${b.eps}`);
    if (!(b.stepSize > 0)) out.push(`${name}.stepSize must be > 0 (${unit}), got ${b.stepSize}`);
    int(b.steps, `${name}.steps`, 1);
  };
  if (spec.needs.imageAttack) budget(c.imageAttack, 'imageAttack', '[0,1] pixel units');
  if (spec.needs.latentAttack) budget(c.latentAttack, 'latentAttack', 'latent units');
  if (spec.needs.generator) {
    if (!c.generator) out.push(`${spec.name} needs the dataset's generator`);
    if (!c.train.latentShape) out.push(`${spec.name} needs latent codes w in the training set`);
  }
  if (c.method.includes('trades') && !((c.tradesBeta ?? 6) >= 0)) {
    out.push(`tradesBeta must be ≥ 0, got ${c.tradesBeta}`);
  }
  const want = c.classifier.inputShape.join('×');
  if (c.train.imageShape.join('×') !== want) {
    out.push(`the data's images are ${c.train.imageShape.join('×')}, the classifier takes ${want}`);
  }
  return out;
}

/**
 * One iteration of a method: craft the batch's adversarial inputs, differentiate the loss with
 * respect to the trainable weights, update them. Returns the loss before the update.
 */
export async function trainingStep(
  spec: TrainingMethodSpec,
  ctx: MethodContext,
  batch: MethodBatch,
  o: { vars: tf.Variable[]; optimizer: SgdMomentum; lr: number; seed: number },
): Promise<number> {
  const prepared = await spec.prepare(ctx, batch, o.seed);
  try {
    const { value, grads } = tf.variableGrads(() => prepared.loss(), o.vars);
    o.optimizer.apply(o.vars, grads, o.lr);
    const loss = (await value.data())[0];
    tf.dispose([value, grads]);
    return loss;
  } finally {
    prepared.dispose();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const problems = configProblems(config);
  if (problems.length) throw new TrainingConfigError(problems);
  const spec = methodSpec(config.method);
  const model = config.classifier.model;
  const ipe = itersPerEpoch(config.train.size, config.batchSize);
  const totalSteps = ipe * config.epochs;
  const optimizer = new SgdMomentum(config.momentum, config.weightDecay);
  const settings: MethodSettings = {
    imageAttack: config.imageAttack,
    latentAttack: config.latentAttack,
    tradesBeta: config.tradesBeta ?? 6,
    frozenAttacks: config.frozenAttacks !== false,
  };
  const ctx = methodContext(config.classifier, config.generator, settings);
  const attacked = ctx.attackClassifier ?? config.classifier;
  const generator = ctx.generator;
  const evalSteps = config.evalSteps ?? 10;
  const evalBudget = (b: TrainingAttackBudget | undefined) =>
    b && { eps: b.eps, stepSize: b.stepSize, steps: evalSteps };

  if (config.batchNormMomentum !== null) {
    setBatchNormMomentum(model, config.batchNormMomentum ?? 0.9);
  }
  let step = 0;
  let epochsEvaluated = 0;
  let lossSum = 0;
  let lossCount = 0;
  const resume = hooks.resumeFrom;
  if (resume) {
    if (resume.method !== config.method || resume.seed !== config.seed) {
      throw new TrainingConfigError([
        `the checkpoint is of a ${resume.method} run with seed ${resume.seed}, not ${config.method} with seed ${config.seed}`,
      ]);
    }
    setModelState(model, resume.weights);
    optimizer.setState(resume.optimizer, config.classifier.trainableVariables());
    ({ step, epochsEvaluated } = resume);
    lossSum = resume.epochLossSum;
    lossCount = resume.epochSteps;
  } else if (config.seedInit) {
    seedModelWeights(model, config.seed);
  }

  const replicas = config.replicas ?? resume?.replicas ?? 1;
  const snapshot = (): Checkpoint => ({
    method: config.method,
    seed: config.seed,
    step,
    epochsEvaluated,
    epochLossSum: lossSum,
    epochSteps: lossCount,
    replicas,
    weights: getModelState(model),
    optimizer: optimizer.getState(),
  });
  const history: EpochMetrics[] = [];
  const vars = config.classifier.trainableVariables();
  let epochStarted = Date.now();
  // Started after the resume above, so every replica begins from the restored state.
  const group =
    replicas > 1
      ? await ReplicaGroup.start({
          size: replicas,
          method: config.method,
          classifier: config.classifier,
          generator: config.generator,
          settings,
          optimizer,
          vars,
        })
      : undefined;

  try {
    for (let epoch = Math.floor(step / ipe); epoch < config.epochs; epoch++) {
      const order = permutation(config.train.size, deriveSeed(config.seed, SHUFFLE_STREAM + epoch));
      for (let i = step - epoch * ipe; i < ipe; i++) {
        await yieldToEventLoop();
        if (hooks.signal?.aborted) {
          if (hooks.checkpoint) await hooks.checkpoint(snapshot());
          return { steps: step, epochs: epochsEvaluated, cancelled: true, history };
        }
        const t0 = performance.now();
        const batch = config.train.batch(
          order.slice(i * config.batchSize, (i + 1) * config.batchSize),
        );
        const lr = lrForStep(config.lrKnots, step, ipe);
        let loss: number;
        try {
          const run = group ? group.step.bind(group) : trainingStep;
          loss = await run(spec, ctx, batch, {
            vars,
            optimizer,
            lr,
            seed: deriveSeed(config.seed, step),
          });
        } finally {
          disposeBatch(batch);
        }
        if (!Number.isFinite(loss)) {
          throw new Error(
            `training diverged at step ${step + 1} (loss ${loss}); lower the learning rate (lrKnots)`,
          );
        }
        step++;
        lossSum += loss;
        lossCount++;
        hooks.onStep?.({
          step,
          epoch: epoch + 1,
          totalSteps,
          itersPerEpoch: ipe,
          loss,
          lr,
          imagesPerSecond: (config.batchSize * 1000) / (performance.now() - t0),
        });
        if (
          hooks.checkpoint &&
          hooks.checkpointEvery &&
          step % hooks.checkpointEvery === 0 &&
          i < ipe - 1
        ) {
          await hooks.checkpoint(snapshot());
        }
      }
      if (epochsEvaluated <= epoch) {
        const result = config.validation
          ? await evaluate({
              classifier: attacked,
              generator,
              set: config.validation,
              imageAttack: evalBudget(config.imageAttack),
              latentAttack: evalBudget(config.latentAttack),
              seed: deriveSeed(config.seed, EVAL_STREAM),
            })
          : {};
        const metrics: EpochMetrics = {
          epoch: epoch + 1,
          step,
          trainLoss: lossCount ? lossSum / lossCount : NaN,
          seconds: (Date.now() - epochStarted) / 1000,
          ...result,
        };
        epochsEvaluated = epoch + 1;
        lossSum = 0;
        lossCount = 0;
        history.push(metrics);
        hooks.onEpoch?.(metrics);
        if (hooks.checkpoint) await hooks.checkpoint(snapshot());
        epochStarted = Date.now();
      }
    }
  } finally {
    await group?.close();
    optimizer.dispose();
  }
  return { steps: step, epochs: epochsEvaluated, cancelled: false, history };
}
