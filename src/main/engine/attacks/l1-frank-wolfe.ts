/**
 * L1 attack by Frank-Wolfe (Kang et al. 2019, "Testing robustness against unforeseen adversaries").
 *
 * Threat model: ‖x′ − x‖₁ ≤ L with x′ in [0,1]. Each iteration solves the linear problem over the
 * feasible set exactly (the vertex s: sort |∇| descending and give each coordinate its full room
 * towards the box, 1 − x where ∇ > 0 and x where ∇ < 0, until the running total reaches L; the
 * cut-off on |∇| is found by bisection), then δ ← δ + (s − δ)/(t + 1). Iterates are
 * convex combinations of feasible points, so the budget holds at every step.
 *
 * Units: L (= budget.eps) is a TOTAL in [0,1] pixel units over all H·W·C values. The reference
 * gives a per-value ε in [0,255] units (DMAT ≈ 0.508) with L = ε·C·H·W: in our units
 * L = (ε/255)·C·H·W (see unseen-presets.ts for the scaling rule). No step size (Frank-Wolfe's is
 * 1/(t+1)); reference 200 iterations. Random start uniform in the L1 ball, clipped to the box.
 *
 * Differences from advex-uar's code (ddkang/advex-uar, fw_attack.py):
 *  - units: L is a total in [0,1] units over C·H·W values of the audited image (advex-uar:
 *    ε·side²·3 in [0,255], RGB assumed);
 *  - the random start is clipped to the box before it is evaluated (advex-uar evaluates it
 *    unclipped; the first step discards it in both);
 *  - the cut-off is found to machine precision (advex-uar: 17 bisection steps on the sorted
 *    cumulative room, exact up to 2^17 values);
 *  - each sample's best iterate is returned (advex-uar: the last).
 *
 * Example (28×28×1): `new L1FrankWolfe().attack(ctx, batch, { eps: (0.508 / 255) * 784, steps: 200 })`.
 */
import * as tf from '@tensorflow/tfjs';
import { ParametricAttack, type ParametricProblem, type ResolvedBudget } from './parametric-attack';
import type { AttackOptions } from './types';

/**
 * The Frank-Wolfe vertex for one sample: maximise ⟨g, s⟩ subject to ‖s‖₁ ≤ budget and, per
 * coordinate, 0 ≤ s·sign(g) ≤ room(i, sign(g)). Coordinates with the largest |g| get their full
 * room; the last one gets what is left of the budget. The cut-off on |g| is found by bisection
 * (O(n) per probe, no full sort); only the few coordinates at the cut-off are sorted.
 */
export function l1Vertex(
  grad: ArrayLike<number>,
  room: (index: number, positive: boolean) => number,
  budget: number,
): Float32Array {
  const n = grad.length;
  const mag = new Float64Array(n);
  const bound = new Float64Array(n);
  let top = 0;
  for (let i = 0; i < n; i++) {
    mag[i] = Math.abs(grad[i]);
    bound[i] = grad[i] === 0 ? 0 : room(i, grad[i] > 0);
    if (mag[i] > top) top = mag[i];
  }
  const roomAbove = (t: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) if (mag[i] > t) total += bound[i];
    return total;
  };
  const s = new Float32Array(n);
  // Invariant: roomAbove(lo) > budget ≥ roomAbove(hi).
  let lo = -1;
  let hi = top;
  if (roomAbove(lo) > budget) {
    lo = 0;
    if (roomAbove(0) <= budget) hi = 0;
    for (let k = 0; k < 60 && hi - lo > 1e-12 * top; k++) {
      const mid = (lo + hi) / 2;
      if (roomAbove(mid) > budget) lo = mid;
      else hi = mid;
    }
  } else {
    hi = -1;
  }
  let left = budget;
  const edge: number[] = [];
  for (let i = 0; i < n; i++) {
    if (mag[i] > hi) {
      s[i] = Math.sign(grad[i]) * bound[i];
      left -= bound[i];
    } else if (mag[i] > lo) {
      edge.push(i);
    }
  }
  // What is left goes to the coordinates at the cut-off, largest |g| first.
  edge.sort((a, b) => mag[b] - mag[a]);
  for (const i of edge) {
    if (left <= 0) break;
    const take = Math.min(bound[i], left);
    s[i] = Math.sign(grad[i]) * take;
    left -= take;
  }
  return s;
}

/** Per-sample Frank-Wolfe vertices for a batch of gradients [B, ...]. */
export function l1Vertices(
  grads: tf.Tensor,
  room: (sample: number, index: number, positive: boolean) => number,
  budget: number,
): tf.Tensor {
  const b = grads.shape[0];
  const per = grads.size / b;
  const g = grads.dataSync();
  const out = new Float32Array(grads.size);
  for (let s = 0; s < b; s++) {
    const v = l1Vertex(g.subarray(s * per, (s + 1) * per), (i, pos) => room(s, i, pos), budget);
    out.set(v, s * per);
  }
  return tf.tensor(out, grads.shape);
}

/** The Frank-Wolfe update δ + (s − δ)/(t + 1). */
export function frankWolfeStep(delta: tf.Tensor, vertex: tf.Tensor, iteration: number): tf.Tensor {
  return tf.add(delta, tf.div(tf.sub(vertex, delta), iteration + 1));
}

/** A point uniform in the L1 ball of radius r per sample (exponentials with random signs). */
export function randomL1Ball(rng: () => number, shape: number[], radius: number): tf.Tensor {
  const b = shape[0];
  const per = shape.slice(1).reduce((p, q) => p * q, 1);
  const out = new Float32Array(b * per);
  for (let s = 0; s < b; s++) {
    let norm = -Math.log(1 - rng());
    for (let i = 0; i < per; i++) {
      const e = -Math.log(1 - rng()) * (rng() < 0.5 ? -1 : 1);
      out[s * per + i] = e;
      norm += Math.abs(e);
    }
    for (let i = 0; i < per; i++) out[s * per + i] *= radius / norm;
  }
  return tf.tensor(out, shape);
}

export class L1FrankWolfe extends ParametricAttack {
  readonly id = 'l1-fw';
  readonly unit = 'pixel [0,1]' as const;
  readonly norm = 'l1';

  constructor(name = 'L1') {
    super(name);
  }

  protected defaultStepSize(): number {
    return 1;
  }

  protected setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    options: AttackOptions,
  ): ParametricProblem {
    const pixels = x.dataSync();
    const per = x.size / x.shape[0];
    const start =
      options.randomStart === false
        ? tf.zerosLike(x)
        : tf.tidy(() => {
            const d = randomL1Ball(rng, x.shape, budget.eps);
            return tf.sub(tf.clipByValue(tf.add(x, d), 0, 1), x);
          });
    return {
      params: [start],
      render: ([d]) => tf.clipByValue(tf.add(x, d), 0, 1) as tf.Tensor4D,
      step: ([d], [g], t) => {
        const room = (s: number, i: number, up: boolean) =>
          up ? 1 - pixels[s * per + i] : pixels[s * per + i];
        return [frankWolfeStep(d, l1Vertices(g, room, budget.eps), t)];
      },
      // Frank-Wolfe stays feasible by construction; the box clip only removes rounding error.
      project: ([d]) => [tf.sub(tf.clipByValue(tf.add(x, d), 0, 1), x)],
    };
  }

  protected override measure(x: tf.Tensor4D, xAdv: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.sum(tf.abs(tf.sub(xAdv, x)), [1, 2, 3]) as tf.Tensor1D);
  }
}
