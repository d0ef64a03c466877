/**
 * Dual manifold adversarial training, DMAT [PGD-K, OM-PGD-K] (Lin et al. 2020):
 * ½·CE(f(g(w) + δ*), y) + ½·CE(f(g(w + λ*)), y). Every sample gets both attacks; no clean term.
 *
 * Both halves go through the network as one batch of 2B: the mean cross-entropy over it is
 * exactly the ½ + ½ sum, and batch-norm sees one update per step, as with one minibatch.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyMean } from '../../attacks/losses';
import { deriveSeed } from '../../attacks/seeds';
import { imageAdversary, latentAdversary, preparedOver } from './adversaries';
import type { TrainingMethodSpec } from './types';

export const dmat: TrainingMethodSpec = {
  id: 'dmat',
  name: 'DMAT [PGD-K, OM-PGD-K]',
  formula: '½·CE(f(g(w) + δ*), y) + ½·CE(f(g(w + λ*)), y)',
  needs: { generator: true, imageAttack: true, latentAttack: true },
  async prepare(ctx, batch, seed) {
    const xImg = await imageAdversary(ctx, batch, deriveSeed(seed, 0));
    const xLat = await latentAdversary(ctx, batch, deriveSeed(seed, 1));
    const both = tf.concat([xImg, xLat]);
    const labels = tf.concat([batch.y, batch.y]);
    tf.dispose([xImg, xLat]);
    return preparedOver([both, labels], () =>
      crossEntropyMean(ctx.classifier.logits(both, { training: true }), labels),
    );
  },
};
