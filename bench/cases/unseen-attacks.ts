/**
 * Throughput of each unseen attack (Fog, Snow, Gabor, Elastic, JPEG-L∞, JPEG-L1, L1 Frank-Wolfe)
 * and of APGD-CE: one attack call on a batch of the benchmark CNN's 32×32×3 images, at the DMAT
 * budget, with 20 steps (the reference uses 200: images/s scale inversely with steps).
 * `--quick` runs 5 steps. Labels are the model's own clean predictions, so every sample starts
 * correctly classified, as in an audit.
 */
import * as tf from '@tensorflow/tfjs';
import { ApgdCe } from '../../src/main/engine/attacks/apgd';
import { ElasticAttack } from '../../src/main/engine/attacks/elastic';
import { FogAttack } from '../../src/main/engine/attacks/fog';
import { GaborAttack } from '../../src/main/engine/attacks/gabor';
import { JpegL1, JpegLinf } from '../../src/main/engine/attacks/jpeg';
import { L1FrankWolfe } from '../../src/main/engine/attacks/l1-frank-wolfe';
import { SnowAttack } from '../../src/main/engine/attacks/snow';
import type { Attack } from '../../src/main/engine/attacks/types';
import { UNSEEN_PRESETS } from '../../src/main/engine/attacks/unseen-presets';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import type { BenchCase, BenchOptions } from '../types';
import { NUM_CLASSES, benchModel, randomBatch } from './fixtures';

const SHAPE = [32, 32, 3];
const IMAGES = 32;
const steps = (o: BenchOptions) => (o.quick ? 5 : 20);

function epsOf(presetId: string): number {
  const p = UNSEEN_PRESETS.find((q) => q.id === presetId);
  if (!p) throw new Error(`no unseen preset "${presetId}"`);
  return p.budgetFor(SHAPE).eps;
}

function unseenCase(id: string, label: string, make: () => Attack, eps: () => number): BenchCase {
  return {
    id: `attack-${id}`,
    metric: `${label} attack, batch of N 32×32×3 images, 20 steps (5 with --quick)`,
    imagesPerRun: () => IMAGES,
    stepsPerRun: steps,
    warmup: () => 1,
    repeats: (o) => (o.quick ? 1 : 3),
    async setup(opts) {
      const classifier = new LayersClassifier(benchModel(), {
        name: 'bench-cnn',
        inputShape: [32, 32, 3],
        numClasses: NUM_CLASSES,
      });
      const random = randomBatch(IMAGES, 5);
      // Label each image with the model's own prediction: every sample starts correctly
      // classified, as in an audit (APGD skips samples that are already misclassified).
      const y = tf.tidy(() => tf.argMax(classifier.logits(random.x), 1) as tf.Tensor1D);
      random.y.dispose();
      const data = { x: random.x, y };
      const attack = make();
      const budget = { eps: eps(), steps: steps(opts) };
      return {
        run: async () => {
          const r = await attack.attack({ classifier }, data, budget, { seed: 1 });
          tf.dispose([r.xAdv, r.wAdv]);
        },
        dispose: () => {
          tf.dispose([data.x, data.y]);
          classifier.dispose();
        },
      };
    },
  };
}

export const unseenAttackCases: BenchCase[] = [
  unseenCase(
    'fog',
    'Fog',
    () => new FogAttack(),
    () => epsOf('fog'),
  ),
  unseenCase(
    'snow',
    'Snow',
    () => new SnowAttack(),
    () => epsOf('snow'),
  ),
  unseenCase(
    'gabor',
    'Gabor',
    () => new GaborAttack(),
    () => epsOf('gabor'),
  ),
  unseenCase(
    'elastic',
    'Elastic',
    () => new ElasticAttack(),
    () => epsOf('elastic'),
  ),
  unseenCase(
    'jpeg-linf',
    'JPEG-L∞',
    () => new JpegLinf(),
    () => epsOf('jpeg-linf'),
  ),
  unseenCase(
    'jpeg-l1',
    'JPEG-L1',
    () => new JpegL1(),
    () => epsOf('jpeg'),
  ),
  unseenCase(
    'l1-fw',
    'L1 Frank-Wolfe',
    () => new L1FrankWolfe(),
    () => epsOf('l1'),
  ),
  unseenCase(
    'apgd-ce',
    'APGD-CE',
    () => new ApgdCe(),
    () => 4 / 255,
  ),
];
