/** Normal training: CE(f(g(w)), y) on the on-manifold images. */
import { crossEntropyMean } from '../../attacks/losses';
import type { TrainingMethodSpec } from './types';

export const normal: TrainingMethodSpec = {
  id: 'normal',
  name: 'Normal',
  formula: 'CE(f(g(w)), y)',
  needs: { generator: false, imageAttack: false, latentAttack: false },
  async prepare(ctx, batch) {
    return {
      loss: () => crossEntropyMean(ctx.classifier.logits(batch.x, { training: true }), batch.y),
      dispose: () => undefined,
    };
  },
};
