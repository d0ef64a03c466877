/**
 * Contracts for the models the engine works with. Attacks, training and audits see models only
 * through these interfaces, so a LayersModel, a GraphModel or a built-in network all fit.
 */
import type * as tf from '@tensorflow/tfjs';

/** How [0,1] pixels are turned into what the network was trained on. Stored beside the model. */
export interface Preprocessing {
  /** Range the network expects, e.g. [0,1], [0,255] or [-1,1]; pixels are mapped linearly. */
  inputRange: [number, number];
  /** Per-channel mean and std applied after the range mapping (omit for none). */
  mean?: number[];
  std?: number[];
  /** Order of colour channels the network expects (ignored for one channel). */
  channelOrder: 'rgb' | 'bgr';
}

export const IDENTITY_PREPROCESSING: Preprocessing = { inputRange: [0, 1], channelOrder: 'rgb' };

/**
 * An image classifier. Inputs are always NHWC images in [0,1] pixel units: preprocessing is the
 * classifier's business, never the attack's, so budgets stay in pixel units.
 */
export interface Classifier {
  readonly name: string;
  /** [H, W, C] of one input image. */
  readonly inputShape: [number, number, number];
  readonly numClasses: number;
  readonly preprocessing: Preprocessing;
  /**
   * Logits for a batch in [0,1]. `training: true` updates batch-norm statistics and applies
   * dropout; attacks always call it with training false (frozen statistics).
   */
  logits(x: tf.Tensor4D, opts?: { training?: boolean }): tf.Tensor2D;
  /** Variables that training updates (empty for a frozen GraphModel). */
  trainableVariables(): tf.Variable[];
  dispose(): void;
}

/** A generator g: latent w → image in [0,1], NHWC. */
export interface Generator {
  readonly name: string;
  /** Shape of one latent code, without the batch dimension (e.g. [14, 512] for W+). */
  readonly latentShape: number[];
  /** [H, W, C] of one generated image. */
  readonly imageShape: [number, number, number];
  generate(w: tf.Tensor, opts?: { training?: boolean }): tf.Tensor4D;
  trainableVariables(): tf.Variable[];
  dispose(): void;
}
