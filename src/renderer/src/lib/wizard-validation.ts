/**
 * Checks a training configuration against the chosen dataset and model before it is sent, so the
 * wizard can explain an invalid combination next to the field that causes it. Pure: no API calls.
 */
import type { DatasetInfo, ModelInfo, TrainingConfig } from '@shared/api';
import { methodInfo } from './methods';

export type WizardStep = 'data' | 'classifier' | 'method' | 'schedule' | 'review';
export const WIZARD_STEPS: { id: WizardStep; label: string }[] = [
  { id: 'data', label: 'Dataset' },
  { id: 'classifier', label: 'Classifier' },
  { id: 'method', label: 'Method' },
  { id: 'schedule', label: 'Schedule & budget' },
  { id: 'review', label: 'Review' },
];

export interface WizardContext {
  dataset: DatasetInfo | null;
  /** The model to fine-tune, when the source is a loaded model. */
  initModel: ModelInfo | null;
  source: 'architecture' | 'model';
}

export interface FieldIssue {
  step: WizardStep;
  /** Dotted path in TrainingConfig, e.g. "imageAttack.eps". */
  field: string;
  message: string;
  severity: 'error' | 'warning';
}

const isInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x);
const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

export function validateTrainingDraft(cfg: TrainingConfig, ctx: WizardContext): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const err = (step: WizardStep, field: string, message: string) =>
    issues.push({ step, field, message, severity: 'error' });
  const warn = (step: WizardStep, field: string, message: string) =>
    issues.push({ step, field, message, severity: 'warning' });
  const method = methodInfo(cfg.method);
  const ds = ctx.dataset;

  // Data
  if (!cfg.datasetId || !ds) err('data', 'datasetId', 'Choose a dataset to train on.');
  const trainCount = ds?.splits.find((s) => s.name === 'train')?.count ?? null;
  const testCount = ds?.splits.find((s) => s.name === 'test')?.count ?? null;
  if (ds && trainCount === null) err('data', 'datasetId', `"${ds.name}" has no train split.`);

  // Classifier
  if (ctx.source === 'architecture' && !cfg.architecture) {
    err('classifier', 'architecture', 'Choose an architecture, or fine-tune a loaded model.');
  }
  if (ctx.source === 'model') {
    const m = ctx.initModel;
    if (!cfg.initModelId || !m) err('classifier', 'initModelId', 'Choose a model to fine-tune.');
    else if (m.kind !== 'classifier') {
      err('classifier', 'initModelId', `"${m.name}" is a generator, not a classifier.`);
    } else if (ds) {
      if (m.inputShape.join('×') !== ds.imageShape.join('×')) {
        err(
          'classifier',
          'initModelId',
          `"${m.name}" takes ${m.inputShape.join('×')} images but "${ds.name}" has ${ds.imageShape.join('×')}.`,
        );
      }
      if (m.numClasses !== null && m.numClasses !== ds.numClasses) {
        err(
          'classifier',
          'initModelId',
          `"${m.name}" has ${m.numClasses} classes but "${ds.name}" has ${ds.numClasses}.`,
        );
      }
    }
  }

  // Method: latent attacks need the generator of an on-manifold dataset.
  if (method.latentAttack && ds) {
    if (ds.kind !== 'on-manifold' || !ds.latentShape) {
      err(
        'method',
        'method',
        `${method.label} attacks the latent code w, but "${ds.name}" is a natural dataset without latents. Choose an on-manifold dataset, or AT / TRADES.`,
      );
    } else if (!ds.generatorModelId) {
      err(
        'method',
        'method',
        `${method.label} differentiates through the generator, but "${ds.name}" has no generator in the library. Import its generator first.`,
      );
    }
  }
  if (method.imageAttack) {
    const a = cfg.imageAttack;
    if (!a) err('method', 'imageAttack', `${method.label} needs an image-space attack.`);
    else {
      if (!isNum(a.eps) || a.eps <= 0 || a.eps > 1) {
        err('method', 'imageAttack.eps', 'ε must be in (0, 255]/255 pixel units.');
      }
      if (!isNum(a.stepSize) || a.stepSize <= 0) {
        err('method', 'imageAttack.stepSize', 'The step size must be > 0.');
      }
      if (!isInt(a.steps) || a.steps < 1) {
        err('method', 'imageAttack.steps', 'Steps must be a whole number ≥ 1.');
      } else if (a.eps > 0 && a.stepSize > 0 && a.stepSize * a.steps < a.eps) {
        warn(
          'method',
          'imageAttack.stepSize',
          `${a.steps} steps of ${fmt255(a.stepSize)} cannot reach the ε = ${fmt255(a.eps)} boundary.`,
        );
      }
    }
  }
  if (method.latentAttack) {
    const a = cfg.latentAttack;
    if (!a) err('method', 'latentAttack', `${method.label} needs a latent attack.`);
    else {
      if (!isNum(a.eps) || a.eps <= 0)
        err('method', 'latentAttack.eps', 'η must be > 0 latent units.');
      if (!isNum(a.stepSize) || a.stepSize <= 0) {
        err('method', 'latentAttack.stepSize', 'The step size must be > 0.');
      }
      if (!isInt(a.steps) || a.steps < 1) {
        err('method', 'latentAttack.steps', 'Steps must be a whole number ≥ 1.');
      } else if (a.kind === 'om-fgsm' && a.steps !== 1) {
        err(
          'method',
          'latentAttack.steps',
          'OM-FGSM is a single step: set steps to 1 or use OM-PGD.',
        );
      } else if (a.eps > 0 && a.stepSize > 0 && a.stepSize * a.steps < a.eps) {
        warn(
          'method',
          'latentAttack.stepSize',
          `${a.steps} steps of ${a.stepSize} latent cannot reach the η = ${a.eps} boundary.`,
        );
      }
    }
  }
  if (method.trades && (!isNum(cfg.tradesBeta) || (cfg.tradesBeta as number) <= 0)) {
    err('method', 'tradesBeta', 'β must be > 0 (paper: 6).');
  }

  // Schedule and budget
  if (!isInt(cfg.epochs) || cfg.epochs < 1)
    err('schedule', 'epochs', 'Epochs must be a whole number ≥ 1.');
  if (!isInt(cfg.batchSize) || cfg.batchSize < 1) {
    err('schedule', 'batchSize', 'Batch size must be a whole number ≥ 1.');
  }
  if (cfg.samples !== undefined) {
    if (!isInt(cfg.samples) || cfg.samples < 1) {
      err('schedule', 'samples', 'Training samples must be a whole number ≥ 1 (or empty for all).');
    } else if (trainCount !== null && cfg.samples > trainCount) {
      err('schedule', 'samples', `The train split has only ${trainCount} records.`);
    } else if (isInt(cfg.batchSize) && cfg.batchSize > cfg.samples) {
      err(
        'schedule',
        'batchSize',
        `A batch of ${cfg.batchSize} is larger than the ${cfg.samples} training samples.`,
      );
    }
  }
  if (!isNum(cfg.momentum) || cfg.momentum < 0 || cfg.momentum >= 1) {
    err('schedule', 'momentum', 'Momentum must be in [0, 1).');
  }
  if (!isNum(cfg.weightDecay) || cfg.weightDecay < 0) {
    err('schedule', 'weightDecay', 'Weight decay must be ≥ 0.');
  }
  if (!isInt(cfg.validationSamples) || cfg.validationSamples < 0) {
    err('schedule', 'validationSamples', 'Validation samples must be a whole number ≥ 0.');
  } else if (testCount !== null && cfg.validationSamples > testCount) {
    err('schedule', 'validationSamples', `The test split has only ${testCount} records.`);
  }
  if (!isInt(cfg.seed) || cfg.seed < 0)
    err('schedule', 'seed', 'The seed must be a whole number ≥ 0.');
  if (cfg.replicas !== undefined && cfg.replicas !== null) {
    if (!isInt(cfg.replicas) || cfg.replicas < 1 || cfg.replicas > 64) {
      err('schedule', 'replicas', 'Threads must be a whole number from 1 to 64 (or empty).');
    } else if (isInt(cfg.batchSize) && cfg.batchSize < 2 * cfg.replicas) {
      err(
        'schedule',
        'replicas',
        `Each thread needs at least 2 images of the batch: at most ${Math.floor(cfg.batchSize / 2)} threads.`,
      );
    }
  }
  issues.push(...checkKnots(cfg));
  return issues;
}

function checkKnots(cfg: TrainingConfig): FieldIssue[] {
  const out: FieldIssue[] = [];
  const add = (message: string, severity: 'error' | 'warning' = 'error') =>
    out.push({ step: 'schedule', field: 'lrKnots', message, severity });
  const k = cfg.lrKnots;
  if (!k || k.length === 0) {
    add('Give at least one learning-rate knot.');
    return out;
  }
  if (k.some((p) => !isNum(p.epoch) || !isNum(p.value) || p.epoch < 0 || p.value < 0)) {
    add('Every knot needs an epoch ≥ 0 and a learning rate ≥ 0.');
    return out;
  }
  for (let i = 1; i < k.length; i++) {
    if (k[i].epoch <= k[i - 1].epoch) {
      add(`Knot epochs must increase: knot ${i + 1} (epoch ${k[i].epoch}) is not after knot ${i}.`);
      return out;
    }
  }
  if (k.every((p) => p.value === 0)) add('Every learning rate is 0: the model would not change.');
  if (isInt(cfg.epochs) && k[k.length - 1].epoch > cfg.epochs) {
    add(
      `The last knot (epoch ${k[k.length - 1].epoch}) is after the last epoch (${cfg.epochs}).`,
      'warning',
    );
  }
  return out;
}

function fmt255(x: number): string {
  const v = x * 255;
  return `${Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : +v.toFixed(2)}/255`;
}

/**
 * Stretches the reference knots (given for `fromEpochs`) to a run of `toEpochs`, as the paper's
 * schedule is scaled to the run's length.
 */
export function scaleKnots(
  knots: { epoch: number; value: number }[],
  fromEpochs: number,
  toEpochs: number,
): { epoch: number; value: number }[] {
  if (fromEpochs <= 0) return knots;
  const f = toEpochs / fromEpochs;
  return knots.map((k) => ({ epoch: Math.round(k.epoch * f * 1000) / 1000, value: k.value }));
}

export function issuesFor(issues: FieldIssue[], field: string): FieldIssue[] {
  return issues.filter((i) => i.field === field || i.field.startsWith(field + '.'));
}
