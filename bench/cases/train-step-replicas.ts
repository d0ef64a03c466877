/**
 * The training step of train-step through the engine's training path, split over replica
 * threads (one per core): each replica takes an equal shard of the batch of 128, batch-norm
 * statistics and weight gradients are summed across them, and every replica applies the same
 * SGD-momentum update. What `dmat train` does on a CPU backend by default.
 */
import { availableParallelism } from 'node:os';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { ReplicaGroup } from '../../src/main/engine/parallel/replica-group';
import { methodSpec } from '../../src/main/engine/training/methods/index';
import { methodContext, type MethodSettings } from '../../src/main/engine/training/method-context';
import { SgdMomentum } from '../../src/main/engine/training/optimizer';
import { trainingStep } from '../../src/main/engine/training/train';
import type { BenchCase } from '../types';
import { BATCH, benchModel, randomBatch } from './fixtures';
import { stepRatioNote, torchStepTiming } from './torch-reference';

const replicas = Math.min(availableParallelism(), 8);

function replicaCase(threads: number): BenchCase {
  return {
    id: threads === 1 ? 'train-step-engine' : 'train-step-replicas',
    metric:
      threads === 1
        ? `training step via the engine (Normal, SGD momentum), batch ${BATCH}, 1 thread`
        : `training step via the engine, batch ${BATCH} split over ${threads} replica threads`,
    imagesPerRun: () => BATCH,
    stepsPerRun: () => 1,
    // Threads in lockstep on a shared machine vary more from run to run: more runs.
    warmup: () => 3,
    repeats: (o) => (o.quick ? 3 : 15),
    async setup(opts) {
      const model = benchModel();
      const torch = torchStepTiming('train-step', model, [32, 32, 3], threads, BATCH, opts.quick);
      const classifier = new LayersClassifier(model, {
        name: 'bench',
        inputShape: [32, 32, 3],
        numClasses: 10,
      });
      const batch = randomBatch(BATCH);
      const vars = classifier.trainableVariables();
      const optimizer = new SgdMomentum(0.9, 0);
      const settings: MethodSettings = { tradesBeta: 6, frozenAttacks: true };
      const ctx = methodContext(classifier, undefined, settings);
      const spec = methodSpec('normal');
      const group =
        threads > 1
          ? await ReplicaGroup.start({
              size: threads,
              method: 'normal',
              classifier,
              settings,
              optimizer,
              vars,
            })
          : undefined;
      const step = group ? group.step.bind(group) : trainingStep;
      return {
        run: async () => {
          await step(spec, ctx, batch, { vars, optimizer, lr: 0.01, seed: 1 });
        },
        note: (ms: number) => stepRatioNote(torch, ms),
        dispose: () => {
          void group?.close();
          optimizer.dispose();
          batch.x.dispose();
          batch.y.dispose();
          classifier.dispose();
        },
      };
    },
  };
}

export const trainStepEngine = replicaCase(1);
export const trainStepReplicas = replicaCase(replicas);
