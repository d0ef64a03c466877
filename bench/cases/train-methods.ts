/**
 * Training throughput per method: one iteration of Normal, AT [PGD-5], OM-AT [OM-PGD-5],
 * DMAT [PGD-5, OM-PGD-5], TRADES (10 KL steps) and DMAT + TRADES, as the training loop runs it
 * (attacks on the frozen forward passes, loss in training mode, SGD momentum with weight decay),
 * on the shipped setting: small CNN (width 16) on 28×28×1 with the built-in W+-style generator,
 * batch 64. images/s of AT over images/s of DMAT is DMAT's cost per epoch relative to AT.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingMethod } from '../../src/shared/api';
import { smallCnn } from '../../src/main/engine/models/architectures/small-cnn';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { LayersGenerator } from '../../src/main/engine/models/generator';
import {
  buildGenerator,
  latentShapeFor,
} from '../../src/main/engine/manifold/generatorArchitecture';
import { availableParallelism } from 'node:os';
import { ReplicaGroup } from '../../src/main/engine/parallel/replica-group';
import { methodContext, type MethodSettings } from '../../src/main/engine/training/method-context';
import { METHODS } from '../../src/main/engine/training/methods/index';
import { SgdMomentum } from '../../src/main/engine/training/optimizer';
import { trainingStep } from '../../src/main/engine/training/train';
import type { BenchCase } from '../types';

const BATCH = 64;
const SHAPE: [number, number, number] = [28, 28, 1];

function methodCase(method: TrainingMethod, threads = 1): BenchCase {
  const spec = METHODS[method];
  return {
    id: threads === 1 ? `train-${method}` : `train-${method}-replicas`,
    metric:
      `${spec.name} training iteration, small CNN 28×28×1, batch ${BATCH}` +
      (threads === 1 ? '' : `, ${threads} replica threads`),
    imagesPerRun: () => BATCH,
    stepsPerRun: () => 1,
    warmup: () => 1,
    repeats: (o) => (o.quick ? 2 : 4),
    async setup() {
      const arch = { imageShape: SHAPE, codeSize: 16, baseChannels: 32 };
      const latentShape = latentShapeFor(arch);
      const generator = new LayersGenerator(buildGenerator(arch, 1), {
        name: 'bench-generator',
        latentShape,
        imageShape: SHAPE,
      });
      const classifier = new LayersClassifier(smallCnn(SHAPE, 10, { width: 16 }), {
        name: 'bench-small-cnn',
        inputShape: SHAPE,
        numClasses: 10,
      });
      const w = tf.randomNormal([BATCH, ...latentShape], 0, 1, 'float32', 3);
      const batch = {
        w,
        x: tf.tidy(() => tf.clipByValue(generator.generate(w), 0, 1) as tf.Tensor4D),
        y: tf.tidy(
          () =>
            tf.cast(
              tf.floor(tf.randomUniform([BATCH], 0, 10, 'float32', 4)),
              'int32',
            ) as tf.Tensor1D,
        ),
      };
      const trades = method === 'trades' || method === 'dmat-trades';
      const settings: MethodSettings = {
        imageAttack: { eps: 0.1, stepSize: 0.025, steps: trades ? 10 : 5 },
        latentAttack: { eps: 0.1, stepSize: 0.025, steps: trades ? 10 : 5 },
        tradesBeta: 6,
        frozenAttacks: true,
      };
      const ctx = methodContext(classifier, generator, settings);
      const optimizer = new SgdMomentum(0.9, 5e-4);
      const vars = classifier.trainableVariables();
      const group =
        threads > 1
          ? await ReplicaGroup.start({
              size: threads,
              method,
              classifier,
              generator,
              settings,
              optimizer,
              vars,
            })
          : undefined;
      const step = group ? group.step.bind(group) : trainingStep;
      let seed = 0;
      return {
        run: async () => {
          await step(spec, ctx, batch, { vars, optimizer, lr: 0.01, seed: seed++ });
        },
        dispose: () => {
          void group?.close();
          optimizer.dispose();
          tf.dispose([batch.w, batch.x, batch.y]);
          classifier.dispose();
          generator.dispose();
        },
      };
    },
  };
}

export const trainMethodCases: BenchCase[] = [
  ...(['normal', 'at', 'omat', 'dmat', 'trades', 'dmat-trades'] as TrainingMethod[]).map((m) =>
    methodCase(m),
  ),
  // DMAT, the method this product is for, as `dmat train` runs it: one replica per core.
  methodCase('dmat', Math.min(availableParallelism(), 8)),
];
