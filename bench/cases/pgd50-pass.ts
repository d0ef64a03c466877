/**
 * A PGD-50 audit pass (L∞, ε = 4/255, α = 1/255, random start) over 1,000 images in batches of
 * 128, through the engine's own attack (src/main/engine/attacks) on a LayersClassifier seen
 * through its attack view (frozen forward pass: batch-norm folded, input-only gradients), with
 * all of the attack's bookkeeping. `--quick` attacks 256 images.
 */
import * as tf from '@tensorflow/tfjs';
import { PgdLinf } from '../../src/main/engine/attacks/pgd';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { attackView } from '../../src/main/engine/models/attack-view';
import type { BenchCase, BenchOptions } from '../types';
import { BATCH, NUM_CLASSES, benchModel, randomBatch } from './fixtures';

const STEPS = 50;
const images = (o: BenchOptions) => (o.quick ? 256 : 1000);

export const pgd50Pass: BenchCase = {
  id: 'pgd50-pass',
  metric: `PGD-50 pass over N images (ms/step = per batch-${BATCH} step)`,
  imagesPerRun: images,
  stepsPerRun: (o) => STEPS * Math.ceil(images(o) / BATCH),
  warmup: () => 0,
  repeats: () => 1,
  async setup(opts) {
    const n = images(opts);
    const classifier = new LayersClassifier(benchModel(), {
      name: 'bench-cnn',
      inputShape: [32, 32, 3],
      numClasses: NUM_CLASSES,
    });
    const view = attackView(classifier);
    const data = randomBatch(n, 3);
    const attack = new PgdLinf(`PGD-${STEPS}`);
    return {
      run: async () => {
        for (let start = 0; start < n; start += BATCH) {
          const size = Math.min(BATCH, n - start);
          const x = data.x.slice([start, 0, 0, 0], [size, -1, -1, -1]);
          const y = data.y.slice([start], [size]);
          const result = await attack.attack(
            { classifier: view },
            { x, y },
            { eps: 4 / 255, stepSize: 1 / 255, steps: STEPS },
            { seed: start },
          );
          tf.dispose([x, y, result.xAdv, result.wAdv]);
        }
      },
      dispose: () => {
        tf.dispose([data.x, data.y]);
        classifier.dispose();
      },
    };
  },
};
