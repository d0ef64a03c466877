/** The contract of a training method: craft its inputs, then give the loss to minimise. */
import type * as tf from '@tensorflow/tfjs';
import type { Classifier, Generator } from '../../models/types';
import type { TrainingMethod } from '../../../../shared/api';

/** Budget of a training attack: image attacks in [0,1] pixel units, latent ones in latent units. */
export interface TrainingAttackBudget {
  eps: number;
  stepSize: number;
  steps: number;
}

export interface MethodContext {
  /** The classifier being trained; the loss runs it in training mode. */
  classifier: Classifier;
  /** The same classifier as attacks see it (inference mode, input gradients only); defaults to `classifier`. */
  attackClassifier?: Classifier;
  generator?: Generator;
  /** PGD-K in image space (AT, DMAT, TRADES), [0,1] pixel units. */
  imageAttack?: TrainingAttackBudget;
  /** OM-PGD-K or OM-FGSM in latent space (OM-AT, DMAT), latent units. */
  latentAttack?: TrainingAttackBudget & { kind?: 'om-pgd' | 'om-fgsm' };
  /** TRADES trade-off β. */
  tradesBeta: number;
}

/** One minibatch: on-manifold images g(w) in [0,1], their latents and labels. */
export interface MethodBatch {
  x: tf.Tensor4D;
  w?: tf.Tensor;
  y: tf.Tensor1D;
}

/** A step whose adversarial inputs are crafted; `loss` runs the model in training mode. */
export interface PreparedStep {
  /** Loss to minimise; called inside tf.variableGrads, so it may record weight gradients. */
  loss(): tf.Scalar;
  dispose(): void;
}

export interface TrainingMethodSpec {
  id: TrainingMethod;
  /** Display name, e.g. "DMAT [PGD-K, OM-PGD-K]". */
  name: string;
  /** One line: the loss per batch. */
  formula: string;
  needs: { generator: boolean; imageAttack: boolean; latentAttack: boolean };
  /**
   * Craft the batch's adversarial inputs with the classifier in inference mode (frozen
   * batch-norm statistics) and gradients with respect to the inputs only, seeded by `seed`.
   */
  prepare(ctx: MethodContext, batch: MethodBatch, seed: number): Promise<PreparedStep>;
}
