/**
 * The one projected-gradient-ascent loop shared by FGSM, PGD (L∞, L2), MIA and the latent
 * attacks. Per step:
 *
 *   g ← ∇_δ objective(δ);  d ← rule(g);  δ ← project_ε(δ + α·d);  δ ← feasible(δ)
 *
 * The norm supplies the projection and the default rule (its gradient normalisation); an attack
 * may supply a stateful rule (momentum). Gradients are taken with respect to δ only, so no weight
 * gradient is ever computed.
 */
import * as tf from '@tensorflow/tfjs';
import type { NormGeometry } from './norms';

/** Turns a gradient into an ascent direction; may keep state across steps (momentum). */
export interface StepRule {
  direction(grad: tf.Tensor): tf.Tensor;
  dispose(): void;
}

export interface AscentProblem {
  /** δ₀; the loop takes ownership and disposes it. */
  start: tf.Tensor;
  steps: number;
  stepSize: number;
  eps: number;
  geometry: NormGeometry;
  /** Scalar to maximise as a function of δ. */
  objective: (delta: tf.Tensor) => tf.Scalar;
  /** Keeps δ in the feasible set beyond the ball (e.g. x + δ in [0,1]); identity if absent. */
  feasible?: (delta: tf.Tensor) => tf.Tensor;
  /** Defaults to the norm's gradient normalisation. */
  rule?: StepRule;
}

/** The norm's own steepest-ascent direction, stateless. */
export function normalizedGradient(geometry: NormGeometry): StepRule {
  return { direction: (g) => geometry.normalize(g), dispose: () => undefined };
}

/** Run the loop; returns the final δ (the caller owns it). */
export function ascend(p: AscentProblem): tf.Tensor {
  const gradient = tf.grad((d: tf.Tensor) => p.objective(d));
  const rule = p.rule ?? normalizedGradient(p.geometry);
  let delta = tf.tidy(() => (p.feasible ? p.feasible(p.start) : p.start.clone()));
  p.start.dispose();
  try {
    for (let k = 0; k < p.steps; k++) {
      const next = tf.tidy(() => {
        const step = tf.mul(p.stepSize, rule.direction(gradient(delta)));
        const projected = p.geometry.project(tf.add(delta, step), p.eps);
        return p.feasible ? p.feasible(projected) : projected;
      });
      delta.dispose();
      delta = next;
    }
  } catch (err) {
    delta.dispose();
    throw err;
  } finally {
    rule.dispose();
  }
  return delta;
}
