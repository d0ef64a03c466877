/** What a training method sees of a run: the classifier, its attack view, the generator, budgets. */
import type { LayersClassifier } from '../models/classifier';
import type { Generator } from '../models/types';
import { attackView, generatorView } from '../models/attack-view';
import type { MethodContext, TrainingAttackBudget } from './methods/types';

export interface MethodSettings {
  imageAttack?: TrainingAttackBudget;
  latentAttack?: TrainingAttackBudget & { kind?: 'om-pgd' | 'om-fgsm' };
  tradesBeta: number;
  /** Attacks through the frozen forward pass (default) or the model's own inference mode. */
  frozenAttacks: boolean;
}

export function methodContext(
  classifier: LayersClassifier,
  generator: Generator | undefined,
  s: MethodSettings,
): MethodContext {
  return {
    classifier,
    attackClassifier: s.frozenAttacks ? attackView(classifier) : classifier,
    generator: s.frozenAttacks && generator ? generatorView(generator) : generator,
    imageAttack: s.imageAttack,
    latentAttack: s.latentAttack,
    tradesBeta: s.tradesBeta,
  };
}
