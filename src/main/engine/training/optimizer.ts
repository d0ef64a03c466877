/**
 * SGD with momentum and weight decay, with PyTorch's `torch.optim.SGD` semantics, which the
 * reference DMAT code uses: the decay is added to the gradient (coupled L2, not AdamW-style
 * decoupled decay), d = ∇ + λ·θ;  v ← μ·v + d;  θ ← θ − lr·v.
 *
 * tf.train.momentum has no weight decay and keeps its state private; this one exposes its state
 * so a checkpoint can save and restore it exactly. Velocities are kept by position in the
 * variable list (tfjs renames variables of a rebuilt model, e.g. "conv1/kernel_9").
 */
import * as tf from '@tensorflow/tfjs';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SgdState {
  iterations: number;
  /** One per trainable variable, in the order of the variable list (names for messages). */
  velocities: NamedArray[];
}

export class SgdMomentum {
  private velocities: tf.Variable[] = [];
  private names: string[] = [];
  iterations = 0;

  constructor(
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  /** One update of `vars` from `grads` (keyed by variable name) at learning rate `lr`. */
  apply(vars: readonly tf.Variable[], grads: Record<string, tf.Tensor>, lr: number): void {
    if (this.velocities.length === 0) {
      this.velocities = tf.tidy(() => vars.map((v) => tf.variable(tf.zerosLike(v), false)));
      this.names = vars.map((v) => v.name);
    }
    if (this.velocities.length !== vars.length) {
      throw new Error(
        `optimiser state has ${this.velocities.length} variables, got ${vars.length}`,
      );
    }
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const g = grads[v.name];
        if (!g) return;
        const d = this.weightDecay > 0 ? tf.add(g, tf.mul(this.weightDecay, v)) : g;
        const vel = this.velocities[i];
        vel.assign(tf.add(tf.mul(this.momentum, vel), d));
        v.assign(tf.sub(v, tf.mul(lr, vel)));
      });
    });
    this.iterations++;
  }

  getState(): SgdState {
    return {
      iterations: this.iterations,
      velocities: this.velocities.map((v, i) => ({
        name: this.names[i],
        shape: v.shape.slice(),
        data: v.dataSync() as Float32Array,
      })),
    };
  }

  /** Restore a saved state for `vars` (same architecture; checked by shape). */
  setState(state: SgdState, vars: readonly tf.Variable[]): void {
    this.dispose();
    this.iterations = state.iterations;
    if (state.velocities.length === 0) return;
    if (state.velocities.length !== vars.length) {
      throw new Error(
        `checkpoint has optimiser state for ${state.velocities.length} variables, the model ${vars.length}`,
      );
    }
    this.velocities = state.velocities.map((s, i) => {
      if (s.shape.join() !== vars[i].shape.join()) {
        throw new Error(
          `checkpoint velocity "${s.name}" has shape [${s.shape}], model [${vars[i].shape}]`,
        );
      }
      return tf.tidy(() => tf.variable(tf.tensor(s.data, s.shape), false));
    });
    this.names = vars.map((v) => v.name);
  }

  dispose(): void {
    tf.dispose(this.velocities);
    this.velocities = [];
  }
}
