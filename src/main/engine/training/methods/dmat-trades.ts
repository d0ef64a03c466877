/**
 * DMAT + TRADES (paper eq. 11):
 * CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*)) + β·KL(f(x) ‖ f(g(w + λ*))),
 * with δ* and λ* each maximising their KL term (image: L∞ ε-ball, latent: L∞ η-ball).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyMean } from '../../attacks/losses';
import { deriveSeed } from '../../attacks/seeds';
import { klMean } from '../kl';
import { klImageAdversary, klLatentAdversary, preparedOver } from './adversaries';
import type { TrainingMethodSpec } from './types';

export const dmatTrades: TrainingMethodSpec = {
  id: 'dmat-trades',
  name: 'DMAT + TRADES',
  formula: 'CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*)) + β·KL(f(x) ‖ f(g(w + λ*)))',
  needs: { generator: true, imageAttack: true, latentAttack: true },
  async prepare(ctx, batch, seed) {
    const xImg = klImageAdversary(ctx, batch, deriveSeed(seed, 0));
    const xLat = klLatentAdversary(ctx, batch, deriveSeed(seed, 1));
    const all = tf.concat([batch.x, xImg, xLat]);
    tf.dispose([xImg, xLat]);
    const n = batch.x.shape[0];
    return preparedOver([all], () => {
      const logits = ctx.classifier.logits(all, { training: true });
      const nat = logits.slice([0, 0], [n, -1]);
      const img = logits.slice([n, 0], [n, -1]);
      const lat = logits.slice([2 * n, 0], [n, -1]);
      const kl = tf.add(klMean(nat, img), klMean(nat, lat));
      return tf.add(crossEntropyMean(nat, batch.y), tf.mul(ctx.tradesBeta, kl)) as tf.Scalar;
    });
  },
};
