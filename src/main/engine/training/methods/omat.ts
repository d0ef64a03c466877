/** On-manifold adversarial training, OM-AT [OM-PGD-K | OM-FGSM]: CE(f(g(w + λ*)), y). */
import { crossEntropyMean } from '../../attacks/losses';
import { latentAdversary, preparedOver } from './adversaries';
import type { TrainingMethodSpec } from './types';

export const omat: TrainingMethodSpec = {
  id: 'omat',
  name: 'OM-AT [OM-PGD-K]',
  formula: 'CE(f(g(w + λ*)), y)',
  needs: { generator: true, imageAttack: false, latentAttack: true },
  async prepare(ctx, batch, seed) {
    const xAdv = await latentAdversary(ctx, batch, seed);
    return preparedOver([xAdv], () =>
      crossEntropyMean(ctx.classifier.logits(xAdv, { training: true }), batch.y),
    );
  },
};
