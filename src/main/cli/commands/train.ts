/** `dmat train`: start a training run as a job process, show its progress, print a summary. */
import type { TrainingMethod } from '../../../shared/api';
import { createApi } from '../../api/index';
import { METHODS } from '../../engine/training/methods/index';
import { REFERENCE_KNOTS, scaleKnots } from '../../engine/training/schedule';
import { UserError, type CliCommand } from '../command';
import { numberFlag, parseFlags } from '../flags';
import { followRun } from '../training/follow-run';
import { parseQueueUrl } from '../../queue/connection';

/** Peak of the learning-rate schedule unless --lr says otherwise (see the usage text). */
const DEFAULT_PEAK_LR = 0.05;

const USAGE = `usage: dmat train --method METHOD --data DATASET [options]

Trains a classifier on an on-manifold dataset in a job process (resumable: dmat resume RUN).
  --method M      ${Object.keys(METHODS).join(' | ')}
  --data D        dataset folder or library id (e.g. resources/om-fashion-mnist)
  --epochs N      epochs (default 20); the learning-rate knots are scaled to it
  --batch N       batch size (default 64)
  --samples N     train on a seeded subset of N records
  --eps X         image budget ε, [0,1] pixel units (default 4/255); step ε/4
  --eta X         latent budget η, latent units (default 0.02); step η/4
  --steps K       attack steps while training (default 5; TRADES 10)
  --lr X          peak learning rate (default 0.05; the reference schedule's 0.4 is for
                  ResNet-50 and makes the small CNN's loss blow up)
  --arch NAME     built-in architecture (default small-cnn for 28×28 grayscale)
  --init-model M  fine-tune this classifier instead (library id or name, a model folder, or a
                  PyTorch .onnx file, which is imported first)
  --width N       width of the built-in architecture
  --beta X        TRADES β (default 6)
  --validation N  validation images evaluated each epoch (default 500)
  --seed N        seed (default 0)
  --replicas N    threads sharing each step (default: one per core on wasm/cpu)
  --name TEXT     run name
  --queue URL     train on a \`dmat worker\` through this Redis queue (redis://[:pw@]host:port);
                  checkpoints and the model land in $DMAT_HOME, which the worker must mount
                  at the same path`;

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train Normal, AT, OM-AT, DMAT, TRADES or DMAT+TRADES (job process, resumable)',
  usage: USAGE,
  async run(argv) {
    const { values: v } = parseFlags(argv, {
      method: { type: 'string' },
      data: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      samples: { type: 'string' },
      eps: { type: 'string' },
      eta: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      arch: { type: 'string' },
      'init-model': { type: 'string' },
      width: { type: 'string' },
      beta: { type: 'string' },
      validation: { type: 'string' },
      seed: { type: 'string' },
      replicas: { type: 'string' },
      name: { type: 'string' },
      queue: { type: 'string' },
    });
    if (!v.method || !(v.method in METHODS)) {
      throw new UserError(
        `--method must be one of ${Object.keys(METHODS).join(', ')}${v.method ? `, got "${v.method}"` : ''}\n${USAGE}`,
      );
    }
    if (!v.data) throw new UserError(`--data is required\n${USAGE}`);
    if (v.queue) parseQueueUrl(v.queue);
    const api = createApi();
    try {
      const dataset = await api.library.resolveDataset(v.data);
      const config = await api.trainingDefaults({
        method: v.method as TrainingMethod,
        datasetId: dataset.id,
      });
      const epochs = numberFlag(v.epochs, '--epochs', { integer: true, min: 1 }) ?? config.epochs;
      const peak = numberFlag(v.lr, '--lr', { min: 0 }) ?? DEFAULT_PEAK_LR;
      config.epochs = epochs;
      config.lrKnots = scaleKnots(REFERENCE_KNOTS, epochs, { peak });
      config.batchSize =
        numberFlag(v.batch, '--batch', { integer: true, min: 2 }) ?? config.batchSize;
      config.samples = numberFlag(v.samples, '--samples', { integer: true, min: 1 });
      const steps = numberFlag(v.steps, '--steps', { integer: true, min: 1 });
      const eps = numberFlag(v.eps, '--eps', { min: 0 });
      const eta = numberFlag(v.eta, '--eta', { min: 0 });
      if (config.imageAttack) {
        const e = eps ?? config.imageAttack.eps;
        config.imageAttack = {
          eps: e,
          stepSize: eps !== undefined ? e / 4 : config.imageAttack.stepSize,
          steps: steps ?? config.imageAttack.steps,
        };
      }
      if (config.latentAttack) {
        const e = eta ?? config.latentAttack.eps;
        config.latentAttack = {
          ...config.latentAttack,
          eps: e,
          stepSize: eta !== undefined ? e / 4 : config.latentAttack.stepSize,
          steps: steps ?? config.latentAttack.steps,
        };
      }
      if (v.arch && v['init-model']) {
        throw new UserError(
          "--arch and --init-model exclude each other: fine-tuning keeps the model's architecture",
        );
      }
      if (v.arch) config.architecture = v.arch;
      if (v['init-model']) {
        const init = await api.library.resolveModel(v['init-model']);
        config.initModelId = init.id;
        config.architecture = undefined;
      }
      config.width = numberFlag(v.width, '--width', { integer: true, min: 1 });
      if (config.tradesBeta !== undefined)
        config.tradesBeta = numberFlag(v.beta, '--beta', { min: 0 }) ?? config.tradesBeta;
      config.validationSamples =
        numberFlag(v.validation, '--validation', { integer: true, min: 0 }) ??
        config.validationSamples;
      config.seed = numberFlag(v.seed, '--seed', { integer: true, min: 0 }) ?? config.seed;
      const replicas = numberFlag(v.replicas, '--replicas', { integer: true, min: 1 });
      if (replicas !== undefined) config.replicas = replicas;
      if (v.name) config.name = v.name;
      const ref = await api.startRun({ config, ...(v.queue ? { queue: v.queue } : {}) });
      return await followRun(api, ref, config);
    } finally {
      await api.close();
    }
  },
};
