/**
 * Per-epoch evaluation on a validation subset: clean accuracy, accuracy under PGD-K (image, L∞,
 * [0,1] pixel units) and under OM-PGD-K (latent units), with the run's budgets.
 */
import * as tf from '@tensorflow/tfjs';
import { PgdLinf } from '../attacks/pgd';
import { OmPgd } from '../attacks/om-pgd';
import type { Classifier, Generator } from '../models/types';
import { disposeBatch, type TrainingSet } from './data';
import type { TrainingAttackBudget } from './methods/types';

export interface EvaluationResult {
  cleanAcc: number;
  pgdAcc?: number;
  omPgdAcc?: number;
}

export interface EvaluationSetup {
  classifier: Classifier;
  generator?: Generator;
  set: TrainingSet;
  imageAttack?: TrainingAttackBudget;
  latentAttack?: TrainingAttackBudget;
  batchSize?: number;
  seed: number;
}

export async function evaluate(s: EvaluationSetup): Promise<EvaluationResult> {
  const batchSize = s.batchSize ?? 100;
  let clean = 0;
  let pgd = 0;
  let om = 0;
  const latent = s.latentAttack && s.generator && s.set.latentShape ? s.latentAttack : undefined;
  for (let start = 0; start < s.set.size; start += batchSize) {
    const idx = Array.from(
      { length: Math.min(batchSize, s.set.size - start) },
      (_, i) => start + i,
    );
    const batch = s.set.batch(idx);
    const labels = await batch.y.data();
    try {
      const pred = tf.tidy(() => tf.argMax(s.classifier.logits(batch.x, { training: false }), 1));
      const p = await pred.data();
      pred.dispose();
      clean += p.filter((v, i) => v === labels[i]).length;
      if (s.imageAttack) {
        const r = await new PgdLinf().attack({ classifier: s.classifier }, batch, s.imageAttack, {
          seed: s.seed + start,
          randomStart: true,
        });
        r.xAdv.dispose();
        pgd += r.success.filter((x) => !x).length;
      }
      if (latent) {
        const r = await new OmPgd().attack(
          { classifier: s.classifier, generator: s.generator },
          batch,
          latent,
          { seed: s.seed + start, randomStart: true },
        );
        tf.dispose([r.xAdv, r.wAdv!]);
        om += r.success.filter((x) => !x).length;
      }
    } finally {
      disposeBatch(batch);
    }
  }
  const n = s.set.size;
  return {
    cleanAcc: clean / n,
    pgdAcc: s.imageAttack ? pgd / n : undefined,
    omPgdAcc: latent ? om / n : undefined,
  };
}
