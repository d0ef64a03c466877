/**
 * APGD-CE and APGD-DLR — Auto-PGD (Croce & Hein, "Reliable evaluation of adversarial robustness
 * with an ensemble of diverse parameter-free attacks", ICML 2020; `fra31/auto-attack`).
 *
 * Threat model: L∞ ball of radius ε around x, x′ in [0,1]. Untargeted; maximises cross-entropy
 * (`apgd-ce`) or the difference-of-logits ratio (`apgd-dlr`,
 * DLR = −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e-12), needs ≥ 3 classes; invariant to the
 * logits' scale, so it sees through saturated softmax).
 *
 * Per sample: start at x + ε·t/‖t‖∞ with t ~ U[−1,1]; step η₀ = 2ε; update
 *   z = P(x_k + η·sign ∇),  x_{k+1} = P(x_k + 0.75(z − x_k) + 0.25(x_k − x_{k−1}))
 * (momentum from the second step). Checkpoints after ⌊0.22N⌋ iterations, then at intervals that
 * shrink by ⌊0.03N⌋ down to ⌊0.06N⌋: at a checkpoint a sample halves η and restarts from its best
 * point if its loss rose in at most 75 % of the interval's steps, or if η was not cut at the last
 * checkpoint and its best loss did not improve since. Each sample keeps its best point (highest
 * loss) and its first misclassified point. Restarts (option `restarts`, default 1) attack only the
 * samples that are still robust; samples misclassified on the clean image are left as they are.
 *
 * Budget, [0,1] pixel units: eps (ε), steps N (default 100), stepSize η₀ (default 2ε).
 * Shapes: x [B,H,W,C] in [0,1], y [B] int32. Example:
 *   await new ApgdCe().attack({ classifier }, { x, y }, { eps: 4 / 255, steps: 100 }, { restarts: 1 })
 */
import * as tf from '@tensorflow/tfjs';
import { ImageAttack, type Proposal, type ResolvedBudget } from './base';
import { LINF } from './norms';
import { crossEntropyPerSample, makeRng, sampleMask, uniformTensor } from './parametric-attack';
import type { AttackBatch, AttackContext, AttackOptions, Budget } from './types';
import type { Classifier } from '../models/types';

/** Per-sample loss on logits [B,K] and labels [B] → [B]. */
export type SampleLoss = (logits: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D;

/** DLR loss per sample (needs at least 3 classes). */
export function dlrLossPerSample(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const [b, k] = logits.shape;
    if (k < 3) throw new Error(`APGD-DLR needs at least 3 classes, the classifier has ${k}`);
    // The ranking is a constant for the gradient: read it outside the tape.
    const values = logits.dataSync();
    const labels = y.dataSync();
    const first = new Int32Array(b);
    const third = new Int32Array(b);
    const other = new Int32Array(b);
    for (let s = 0; s < b; s++) {
      const order = Array.from({ length: k }, (_, i) => i).sort(
        (p, q) => values[s * k + q] - values[s * k + p],
      );
      first[s] = order[0];
      third[s] = order[2];
      other[s] = order[0] === labels[s] ? order[1] : order[0];
    }
    const pick = (idx: Int32Array) =>
      tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(idx, 'int32'), k)), 1);
    const zy = pick(Int32Array.from(labels));
    const margin = tf.sub(zy, pick(other));
    const scale = tf.add(tf.sub(pick(first), pick(third)), 1e-12);
    return tf.neg(tf.div(margin, scale)) as tf.Tensor1D;
  });
}

interface Evaluation {
  loss: Float32Array;
  predicted: Int32Array;
  grad: tf.Tensor4D;
}

function lossAndGrad(
  classifier: Classifier,
  loss: SampleLoss,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
): Evaluation {
  let logits: tf.Tensor2D | undefined;
  const { value, grad } = tf.valueAndGrad((xi: tf.Tensor4D) => {
    const z = classifier.logits(xi, { training: false });
    logits = tf.keep(z);
    return tf.sum(loss(z, y)) as tf.Scalar;
  })(x);
  value.dispose();
  const z = logits!;
  const [l, p] = tf.tidy(() => [
    loss(z, y).dataSync() as Float32Array,
    tf.argMax(z, 1).dataSync() as Int32Array,
  ]);
  z.dispose();
  return { loss: l, predicted: p, grad: grad as tf.Tensor4D };
}

/** Iteration counts of the step-size schedule, named once from the budget N. */
export function apgdSchedule(n: number): { first: number; shrink: number; min: number } {
  return {
    first: Math.max(Math.floor(0.22 * n), 1),
    shrink: Math.max(Math.floor(0.03 * n), 1),
    min: Math.max(Math.floor(0.06 * n), 1),
  };
}

/** Iterations at which the checkpoints fall for a budget of N iterations (for tests and docs). */
export function apgdCheckpoints(n: number): number[] {
  const { first, shrink, min } = apgdSchedule(n);
  const out: number[] = [];
  let k = first;
  for (let at = first; at <= n; at += k) {
    out.push(at);
    k = Math.max(k - shrink, min);
  }
  return out;
}

/** Fraction of the interval's steps in which the loss rose, below which η is halved. */
const OSCILLATION_THRESHOLD = 0.75;

interface RunOutput {
  /** Per sample: first misclassified point if any, else the highest-loss point. */
  xAdv: tf.Tensor4D;
  fooled: boolean[];
  bestLoss: number[];
}

/** Replace rows where `flags` is set. Disposes `old`. */
function replaceRows(flags: boolean[], fresh: tf.Tensor4D, old: tf.Tensor4D): tf.Tensor4D {
  const out = tf.tidy(() => tf.where(sampleMask(flags, old.rank), fresh, old)) as tf.Tensor4D;
  old.dispose();
  return out;
}

/** One APGD run on a batch (all samples attacked). */
export function apgdRun(
  classifier: Classifier,
  loss: SampleLoss,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  budget: ResolvedBudget,
  rng: () => number,
): RunOutput {
  const { eps, steps } = budget;
  const b = x.shape[0];
  const labels = Array.from(y.dataSync());
  const project = (t: tf.Tensor) =>
    tf.clipByValue(tf.add(x, tf.clipByValue(tf.sub(t, x), -eps, eps)), 0, 1) as tf.Tensor4D;

  let xAdv = tf.tidy(() => {
    const t = uniformTensor(rng, x.shape, -1, 1);
    const tMax = tf.add(tf.max(tf.abs(t), [1, 2, 3], true), 1e-12);
    return project(tf.add(x, tf.mul(eps, tf.div(t, tMax))));
  });
  let ev = lossAndGrad(classifier, loss, xAdv, y);
  let grad = ev.grad;
  let xBest = tf.clone(xAdv);
  let gradBest = tf.clone(grad);
  let xBestAdv = tf.clone(xAdv);
  let xOld = tf.clone(xAdv);
  const fooled = labels.map((l, i) => ev.predicted[i] !== l);
  const lossBest = Array.from(ev.loss);
  const lossSteps: number[][] = [Array.from(ev.loss)];
  const eta = new Array<number>(b).fill(budget.stepSize);
  let lossBestLastCheck = lossBest.slice();
  let reducedLastCheck = new Array<boolean>(b).fill(true);
  const { first, shrink, min } = apgdSchedule(steps);
  let interval = first;
  let sinceCheck = 0;

  try {
    for (let i = 0; i < steps; i++) {
      const momentum = i > 0 ? 0.75 : 1;
      const next = tf.tidy(() => {
        const etaT = tf.reshape(tf.tensor1d(eta), [b, 1, 1, 1]);
        const z = project(tf.add(xAdv, tf.mul(etaT, tf.sign(grad))));
        const moved = tf.add(
          xAdv,
          tf.add(tf.mul(tf.sub(z, xAdv), momentum), tf.mul(tf.sub(xAdv, xOld), 1 - momentum)),
        );
        return project(moved);
      });
      xOld.dispose();
      xOld = xAdv;
      xAdv = next;
      grad.dispose();
      ev = lossAndGrad(classifier, loss, xAdv, y);
      grad = ev.grad;

      const newlyFooled = labels.map((l, s) => ev.predicted[s] !== l && !fooled[s]);
      newlyFooled.forEach((f, s) => (fooled[s] ||= f));
      if (newlyFooled.some(Boolean)) xBestAdv = replaceRows(newlyFooled, xAdv, xBestAdv);
      const improved = Array.from(ev.loss, (v, s) => v > lossBest[s]);
      improved.forEach((f, s) => f && (lossBest[s] = ev.loss[s]));
      if (improved.some(Boolean)) {
        xBest = replaceRows(improved, xAdv, xBest);
        gradBest = replaceRows(improved, grad, gradBest);
      }
      lossSteps.push(Array.from(ev.loss));

      if (++sinceCheck === interval) {
        const cut = new Array<boolean>(b);
        for (let s = 0; s < b; s++) {
          let rises = 0;
          for (let j = 0; j < interval; j++) {
            const at = lossSteps.length - 1 - j;
            if (at >= 1 && lossSteps[at][s] > lossSteps[at - 1][s]) rises++;
          }
          const oscillating = rises <= interval * OSCILLATION_THRESHOLD;
          const stalled = !reducedLastCheck[s] && lossBestLastCheck[s] >= lossBest[s];
          cut[s] = oscillating || stalled;
        }
        reducedLastCheck = cut;
        lossBestLastCheck = lossBest.slice();
        if (cut.some(Boolean)) {
          cut.forEach((c, s) => c && (eta[s] /= 2));
          // Restart the cut samples from their best point, with its gradient.
          xAdv = replaceRows(cut, xBest, xAdv);
          grad = replaceRows(cut, gradBest, grad);
        }
        interval = Math.max(interval - shrink, min);
        sinceCheck = 0;
      }
    }
    const result = replaceRows(fooled, xBestAdv, tf.clone(xBest));
    return { xAdv: result, fooled, bestLoss: lossBest };
  } finally {
    tf.dispose([xAdv, xOld, grad, xBest, gradBest, xBestAdv]);
  }
}

/** Gather rows of a batch. */
function rows<T extends tf.Tensor>(t: T, idx: number[]): T {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32'))) as T;
}

abstract class Apgd extends ImageAttack {
  readonly geometry = LINF;
  /** Restarts attack only the samples still robust, inside one call. */
  readonly handlesRestarts = true;
  protected abstract readonly loss: SampleLoss;

  protected override resolveBudget(b: Budget): ResolvedBudget {
    return { eps: b.eps, steps: b.steps ?? 100, stepSize: b.stepSize ?? 2 * b.eps };
  }

  protected async run(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    options: AttackOptions,
  ): Promise<Proposal> {
    const { x, y } = batch;
    const restarts = typeof options.restarts === 'number' ? Math.max(1, options.restarts) : 1;
    const rng = makeRng(options.seed ?? 0);
    const labels = Array.from(await y.data());
    const clean = tf.tidy(() =>
      Array.from(tf.argMax(ctx.classifier.logits(x, { training: false }), 1).dataSync()),
    );
    // Still robust: correct so far. Misclassified clean samples are already counted as broken.
    const robust = clean.map((p, i) => p === labels[i]);
    let xAdv = tf.clone(x);
    for (let r = 0; r < restarts; r++) {
      const idx = robust.flatMap((ok, i) => (ok ? [i] : []));
      if (idx.length === 0) break;
      const xs = rows(x, idx);
      const ys = rows(y, idx);
      const out = apgdRun(ctx.classifier, this.loss, xs, ys, budget, rng);
      tf.dispose([xs, ys]);
      // Scatter the sub-batch back: position of each full-batch sample in the sub-batch.
      const where = new Array<number>(labels.length).fill(0);
      idx.forEach((i, k) => (where[i] = k));
      const take = labels.map((_, i) => robust[i] && (r === 0 || out.fooled[where[i]]));
      const spread = rows(out.xAdv, where);
      xAdv = replaceRows(take, spread, xAdv);
      tf.dispose([spread, out.xAdv]);
      idx.forEach((i, k) => out.fooled[k] && (robust[i] = false));
      await new Promise((res) => setImmediate(res));
    }
    return { xAdv };
  }
}

export class ApgdCe extends Apgd {
  readonly id = 'apgd-ce';
  protected readonly loss: SampleLoss = crossEntropyPerSample;

  constructor(name = 'APGD-CE') {
    super(name);
  }
}

export class ApgdDlr extends Apgd {
  readonly id = 'apgd-dlr';
  protected readonly loss: SampleLoss = dlrLossPerSample;

  constructor(name = 'APGD-DLR') {
    super(name);
  }
}
