/** Adversarial training, AT [PGD-K] (Madry et al. 2018): CE(f(g(w) + δ*), y). */
import { crossEntropyMean } from '../../attacks/losses';
import { imageAdversary, preparedOver } from './adversaries';
import type { TrainingMethodSpec } from './types';

export const at: TrainingMethodSpec = {
  id: 'at',
  name: 'AT [PGD-K]',
  formula: 'CE(f(g(w) + δ*), y)',
  needs: { generator: false, imageAttack: true, latentAttack: false },
  async prepare(ctx, batch, seed) {
    const xAdv = await imageAdversary(ctx, batch, seed);
    return preparedOver([xAdv], () =>
      crossEntropyMean(ctx.classifier.logits(xAdv, { training: true }), batch.y),
    );
  },
};
