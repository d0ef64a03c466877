/**
 * TRADES (Zhang et al. 2019): CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*)), δ* maximising the KL from
 * x + 0.001·N(0,1) with signed steps in the L∞ ball (β = 6 in the paper).
 *
 * Clean and perturbed images go through the network as one batch (one batch-norm update).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyMean } from '../../attacks/losses';
import { klMean } from '../kl';
import { klImageAdversary, preparedOver } from './adversaries';
import type { TrainingMethodSpec } from './types';

export const trades: TrainingMethodSpec = {
  id: 'trades',
  name: 'TRADES',
  formula: 'CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*))',
  needs: { generator: false, imageAttack: true, latentAttack: false },
  async prepare(ctx, batch, seed) {
    const xAdv = klImageAdversary(ctx, batch, seed);
    const both = tf.concat([batch.x, xAdv]);
    xAdv.dispose();
    const n = batch.x.shape[0];
    return preparedOver([both], () => {
      const logits = ctx.classifier.logits(both, { training: true });
      const nat = logits.slice([0, 0], [n, -1]);
      const adv = logits.slice([n, 0], [n, -1]);
      return tf.add(
        crossEntropyMean(nat, batch.y),
        tf.mul(ctx.tradesBeta, klMean(nat, adv)),
      ) as tf.Scalar;
    });
  },
};
