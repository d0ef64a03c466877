/**
 * Shared machinery for the unseen attacks (Kang et al., "Testing robustness against unforeseen
 * adversaries"): each attack renders an image from its own parameters (fog map variables, snow
 * flake intensities, a flow field, DCT coefficient offsets, …) and maximises the cross-entropy of
 * the true label by gradient steps on those parameters.
 *
 * `ParametricAttack` extends the common `AttackBase`: `run()` is the ascent (keeping per sample
 * the best iterate and its parameters) and `enforce()` never trusts it: it projects those
 * parameters onto the threat model again and re-renders the image from them, so the returned
 * image is always one the threat model allows. A concrete attack writes `setup` (its parameters,
 * renderer, update and projection) and, optionally, `measure`.
 */
import * as tf from '@tensorflow/tfjs';
import { AttackBase, type Enforced, type Proposal, type ResolvedBudget } from './base';
import type { AttackBatch, AttackContext, AttackOptions, Budget, Space } from './types';

export type { ResolvedBudget } from './base';

/** Deterministic uniform [0,1) generator (mulberry32): same seed, same attack. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform [lo, hi) tensor drawn from `rng` (tfjs's own seeded ops differ between backends). */
export function uniformTensor(rng: () => number, shape: number[], lo = 0, hi = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng();
  return tf.tensor(v, shape, 'float32');
}

/** Identity in the forward pass, zero gradient (the reference's `.detach()`). */
export const stopGradient = tf.customGrad((...args) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/** Cross-entropy of the true label, one value per sample. */
export function crossEntropyPerSample(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(y, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(logp, onehot), 1)) as tf.Tensor1D;
  });
}

/** Rec. 709 luminance of an NHWC batch ([B,H,W,1]); a one-channel image is its own luminance. */
export function luminance(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (x.shape[3] === 1) return tf.clone(x);
    const [r, g, b] = tf.split(x, 3, 3);
    return tf.addN([tf.mul(r, 0.2126), tf.mul(g, 0.7152), tf.mul(b, 0.0722)]) as tf.Tensor4D;
  });
}

/** A per-sample flag [B] as a bool tensor of rank `rank` ([B,1,…,1]) for tf.where. */
export function sampleMask(flags: boolean[], rank: number): tf.Tensor {
  return tf.tidy(() =>
    tf.reshape(tf.tensor1d(flags.map(Number), 'bool'), [
      flags.length,
      ...new Array<number>(rank - 1).fill(1),
    ]),
  );
}

/** Per-sample max |xAdv − x| in [0,1] pixel units, shape [B]. */
export function linfDistance(x: tf.Tensor4D, xAdv: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(xAdv, x)), [1, 2, 3]) as tf.Tensor1D);
}

/** What a concrete attack sets up for one batch. */
export interface ParametricProblem {
  /** Initial parameters (owned by the loop from now on: it disposes them). */
  params: tf.Tensor[];
  /** The adversarial image for the given parameters, in [0,1], differentiable in the parameters. */
  render(params: tf.Tensor[]): tf.Tensor4D;
  /** One ascent step from the loss gradients, before projection (runs inside tidy). */
  step(params: tf.Tensor[], grads: tf.Tensor[], iteration: number): tf.Tensor[];
  /** Projection onto the threat model's parameter set (runs inside tidy). */
  project(params: tf.Tensor[]): tf.Tensor[];
  /** Constants of the problem (kernels, masks), disposed after the call. */
  constants?: tf.Tensor[];
}

/** Signed-gradient step with one step size (the reference's update). */
export function signedStep(params: tf.Tensor[], grads: tf.Tensor[], stepSize: number): tf.Tensor[] {
  return params.map((p, i) => tf.add(p, tf.mul(tf.sign(grads[i]), stepSize)));
}

/** State of one `attack()` call, passed from `run()` to `enforce()`. */
interface CallState {
  problem?: ParametricProblem;
  params?: tf.Tensor[];
}

const CALL_KEY = '__parametricCall';

/**
 * Base of the unseen attacks. The ascent keeps per sample the best iterate (misclassified first,
 * then highest loss), so a late unlucky step never undoes a success.
 */
export abstract class ParametricAttack extends AttackBase {
  readonly space: Space = 'image';
  /** Steps when the budget gives none (the reference's 200). */
  protected readonly defaultSteps: number = 200;

  protected abstract defaultStepSize(eps: number, steps: number): number;

  /** Random unless the start is switched off; attacks with random kernels or maps override. */
  override randomised(options: AttackOptions): boolean {
    return options.randomStart !== false;
  }

  /** Builds the parameters, renderer, update and projection for this batch. */
  protected abstract setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    options: AttackOptions,
  ): ParametricProblem;

  /**
   * Measured size of each sample's perturbation in the attack's unit, shape [B] (default: L∞ of
   * x′ − x in [0,1] pixels). `params` are the projected parameters of the returned images.
   */
  protected measure(
    x: tf.Tensor4D,
    xAdv: tf.Tensor4D,
    _params: tf.Tensor[],
    _budget: ResolvedBudget,
  ): tf.Tensor1D {
    return linfDistance(x, xAdv);
  }

  override async attack(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: Budget,
    options: AttackOptions = {},
  ) {
    const call: CallState = {};
    try {
      return await super.attack(ctx, batch, budget, { ...options, [CALL_KEY]: call });
    } finally {
      tf.dispose(call.params ?? []);
      tf.dispose(call.problem?.constants ?? []);
    }
  }

  protected override resolveBudget(budget: Budget): ResolvedBudget {
    const steps = budget.steps ?? this.defaultSteps;
    const stepSize = budget.stepSize ?? this.defaultStepSize(budget.eps, steps);
    return { eps: budget.eps, stepSize, steps };
  }

  protected async run(
    ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    options: AttackOptions,
  ): Promise<Proposal> {
    const call = options[CALL_KEY] as CallState;
    const problem = this.setup(batch.x, budget, makeRng(options.seed ?? 0), options);
    call.problem = problem;
    const best = await ascend(ctx, batch, problem, budget.steps);
    call.params = best.params;
    const proposal = { xAdv: best.xAdv };
    this.calls.set(proposal, call as Required<CallState>);
    return proposal;
  }

  protected enforce(
    _ctx: AttackContext,
    batch: AttackBatch,
    budget: ResolvedBudget,
    proposal: Proposal,
  ): Enforced {
    const call = this.callOf(proposal);
    const params = call.problem.project(call.params);
    const xAdv = call.problem.render(params);
    return { xAdv, norms: this.measure(batch.x, xAdv, params, budget) };
  }

  private readonly calls = new WeakMap<Proposal, Required<CallState>>();

  private callOf(proposal: Proposal): Required<CallState> {
    const call = this.calls.get(proposal);
    if (!call) this.fail('enforce() called with a proposal this attack did not make');
    return call;
  }
}

interface Evaluation {
  grads: tf.Tensor[];
  loss: Float32Array;
  predicted: Int32Array;
}

function evaluate(
  ctx: AttackContext,
  problem: ParametricProblem,
  params: tf.Tensor[],
  y: tf.Tensor1D,
  withGrad: boolean,
): Evaluation {
  let logits: tf.Tensor2D | undefined;
  const lossOf = (...ps: tf.Tensor[]): tf.Scalar => {
    const z = ctx.classifier.logits(problem.render(ps), { training: false });
    logits = tf.keep(z);
    return tf.sum(crossEntropyPerSample(z, y));
  };
  let grads: tf.Tensor[] = [];
  if (withGrad) {
    const r = tf.valueAndGrads(lossOf)(params);
    r.value.dispose();
    grads = r.grads;
  } else {
    tf.tidy(() => {
      lossOf(...params);
    });
  }
  const z = logits!;
  const [loss, predicted] = tf.tidy(() => [
    crossEntropyPerSample(z, y).dataSync() as Float32Array,
    tf.argMax(z, 1).dataSync() as Int32Array,
  ]);
  z.dispose();
  return { grads, loss, predicted };
}

/** Per sample, `cur` where the flag is set, else `prev` (new tensors; the inputs are kept). */
function keepBest(flags: boolean[], cur: tf.Tensor[], prev: tf.Tensor[]): tf.Tensor[] {
  if (flags.every(Boolean)) return cur.map((t) => tf.clone(t));
  if (!flags.some(Boolean)) return prev.map((t) => tf.clone(t));
  return tf.tidy(() => {
    return cur.map((c, k) => tf.where(sampleMask(flags, c.rank), c, prev[k]));
  });
}

interface Ascent {
  /** The image of each sample's best iterate. */
  xAdv: tf.Tensor4D;
  predicted: number[];
  /** Parameters of each sample's best iterate. */
  params: tf.Tensor[];
}

/**
 * `steps` gradient evaluations and updates, then one last evaluation of the final parameters.
 * Only the best parameters are kept per sample (misclassified first, then highest loss); their
 * image is rendered once at the end.
 */
async function ascend(
  ctx: AttackContext,
  batch: AttackBatch,
  problem: ParametricProblem,
  steps: number,
): Promise<Ascent> {
  const labels = Array.from(batch.y.dataSync());
  const n = labels.length;
  const bestScore = new Array<number>(n).fill(-Infinity);
  const bestPred = new Array<number>(n).fill(-1);
  // The start is projected too, so every evaluated iterate is one the threat model allows.
  let params = tf.tidy(() => problem.project(problem.params));
  tf.dispose(problem.params);
  let bestParams: tf.Tensor[] = [];
  try {
    for (let it = 0; it <= steps; it++) {
      const last = it === steps;
      const ev = evaluate(ctx, problem, params, batch.y, !last);
      const improved = labels.map((label, i) => {
        const score = (ev.predicted[i] !== label ? 1e9 : 0) + ev.loss[i];
        if (!(score > bestScore[i])) return false;
        bestScore[i] = score;
        bestPred[i] = ev.predicted[i];
        return true;
      });
      const prevParams = bestParams;
      bestParams =
        it === 0 ? params.map((p) => tf.clone(p)) : keepBest(improved, params, prevParams);
      tf.dispose(prevParams);
      if (!last) {
        const next = tf.tidy(() => problem.project(problem.step(params, ev.grads, it)));
        tf.dispose(params);
        tf.dispose(ev.grads);
        params = next;
      }
      // Let the event loop breathe between steps (progress messages, cancellation).
      if (it % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    const xAdv = tf.tidy(() => problem.render(bestParams));
    return { xAdv, predicted: bestPred, params: bestParams };
  } catch (err) {
    tf.dispose(bestParams);
    throw err;
  } finally {
    tf.dispose(params);
  }
}
