/**
 * Tiny models for the seen-attack tests: a linear classifier (closed-form optimal perturbations),
 * a sigmoid-linear generator, and a small MLP trained on a synthetic 8×8 problem.
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Generator } from '../../src/main/engine/models/types';
import { IDENTITY_PREPROCESSING } from '../../src/main/engine/models/types';

export const SHAPE: [number, number, number] = [8, 8, 1];
export const DIM = 64;

/** Deterministic pseudo-random numbers in [0,1) (mulberry32), independent of tfjs. */
export function uniforms(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

/** A classifier given by a forward function over flattened images, with its variables. */
export class FunctionClassifier implements Classifier {
  readonly preprocessing = IDENTITY_PREPROCESSING;
  constructor(
    readonly name: string,
    readonly inputShape: [number, number, number],
    readonly numClasses: number,
    private readonly forward: (flat: tf.Tensor2D) => tf.Tensor2D,
    private readonly vars: tf.Variable[],
  ) {}
  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.forward(x.reshape([x.shape[0], -1])));
  }
  trainableVariables(): tf.Variable[] {
    return this.vars;
  }
  dispose(): void {
    tf.dispose(this.vars);
  }
}

/** logits = x·W + b, with W given as [DIM, K] values. */
export function linearClassifier(weights: Float32Array, classes: number): FunctionClassifier {
  const W = tf.variable(tf.tensor2d(weights, [DIM, classes]));
  const b = tf.variable(tf.zeros([classes]));
  return new FunctionClassifier('linear', SHAPE, classes, (f) => tf.add(tf.matMul(f, W), b), [
    W,
    b,
  ]);
}

/** g(w) = sigmoid(w·A + c), latent [4], image 8×8×1: smooth and inside [0,1]. */
export class SigmoidGenerator implements Generator {
  readonly name = 'sigmoid-linear';
  readonly latentShape = [4];
  readonly imageShape = SHAPE;
  readonly A: tf.Tensor2D;
  readonly c: tf.Tensor1D;
  constructor(seed = 7) {
    this.A = tf.tensor2d(
      uniforms(4 * DIM, seed).map((u) => 2 * u - 1),
      [4, DIM],
    );
    this.c = tf.tensor1d(uniforms(DIM, seed + 1).map((u) => u - 0.5));
  }
  generate(w: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() =>
      tf.sigmoid(tf.add(tf.matMul(w as tf.Tensor2D, this.A), this.c)).reshape([-1, ...SHAPE]),
    );
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {
    tf.dispose([this.A, this.c]);
  }
}

/**
 * Synthetic 3-class 8×8 data: each class is a fixed prototype image plus uniform noise, all in
 * [0,1]. Learnable to ~100 % but with small margins, so ε = 0.1 attacks matter.
 */
export function synthData(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const protos = [0, 1, 2].map((k) => uniforms(DIM, 100 + k));
  const labels = new Int32Array(n);
  const pixels = new Float32Array(n * DIM);
  const noise = uniforms(n * DIM, seed);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < DIM; j++) {
      const v = 0.5 * protos[labels[i]][j] + 0.25 + 0.5 * (noise[i * DIM + j] - 0.5);
      pixels[i * DIM + j] = Math.min(1, Math.max(0, v));
    }
  }
  return { x: tf.tensor4d(pixels, [n, ...SHAPE]), y: tf.tensor1d(labels, 'int32') };
}

/** A 64-32-3 tanh MLP trained with Adam on synthData (deterministic). */
export function trainedMlp(): FunctionClassifier {
  const init = (n: number, rows: number, s: number) =>
    uniforms(n, s).map((u) => (2 * u - 1) * Math.sqrt(3 / rows));
  const W1 = tf.variable(tf.tensor2d(init(DIM * 32, DIM, 11), [DIM, 32]));
  const b1 = tf.variable(tf.zeros([32]));
  const W2 = tf.variable(tf.tensor2d(init(32 * 3, 32, 12), [32, 3]));
  const b2 = tf.variable(tf.zeros([3]));
  const model = new FunctionClassifier(
    'mlp',
    SHAPE,
    3,
    (f) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(f, W1), b1)), W2), b2),
    [W1, b1, W2, b2],
  );
  const { x, y } = synthData(300, 5);
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < 150; i++) {
    tf.tidy(() => {
      opt.minimize(
        () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), model.logits(x)) as tf.Scalar,
      );
    });
  }
  opt.dispose();
  tf.dispose([x, y]);
  return model;
}

export function accuracy(success: boolean[]): number {
  return success.filter((s) => !s).length / success.length;
}

/** g(w) = 0.5 + w·A with small A: linear, so f ∘ g is linear in w for a linear f. */
export class LinearGenerator implements Generator {
  readonly name = 'linear';
  readonly latentShape = [4];
  readonly imageShape = SHAPE;
  readonly A: tf.Tensor2D;
  constructor(seed = 9) {
    this.A = tf.tensor2d(
      uniforms(4 * DIM, seed).map((u) => 0.1 * (2 * u - 1)),
      [4, DIM],
    );
  }
  generate(w: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => tf.add(0.5, tf.matMul(w as tf.Tensor2D, this.A)).reshape([-1, ...SHAPE]));
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {
    this.A.dispose();
  }
}
