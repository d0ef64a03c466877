/**
 * Sanity checks run with every audit, in the spirit of AutoAttack's gradient-masking warnings
 * (Croce & Hein 2020) and Carlini et al.'s evaluation checklist: a robust-looking number is only
 * trusted if the model's gradients are usable, its outputs deterministic, its outputs real logits,
 * its accuracy falls as the budget grows, and random noise does not beat the gradient attacks.
 *
 * `runSanityChecks(ctx, batch, results)` looks at the model on a batch (usually the audit's first)
 * and at the audit's results; each problem found is one `SanityFlag` whose message is one sentence
 * a user can act on.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackResultInfo, SanityFlag, SweepCurve } from '../../../shared/api';
import { crossEntropyPerSample, makeRng } from '../attacks/parametric-attack';
import type { AttackBatch, AttackContext } from '../attacks/types';

/** What the checks read from an audit's results. */
export interface SanityInput {
  attacks: readonly AttackResultInfo[];
  curves: readonly SweepCurve[];
}

export interface SanityOptions {
  /** Random draws per sample for the noise baseline (a sample survives only if it survives all). */
  noiseDraws?: number;
  seed?: number;
}

/** Ids of the checks, stable for storage and tests. */
export const SANITY_CHECKS = {
  nonFiniteGradients: 'non-finite-gradients',
  zeroGradients: 'zero-gradients',
  nondeterministic: 'nondeterministic-outputs',
  probabilities: 'probability-outputs',
  accuracyNotFalling: 'accuracy-not-falling',
  noiseBeatsGradient: 'noise-beats-gradient-attack',
} as const;

/** Share of samples with an all-zero input gradient from which the zero-gradient flag is raised. */
const ZERO_GRADIENT_SHARE = 0.1;
/** A gradient whose largest entry is below this counts as zero. */
const ZERO_GRADIENT_TOLERANCE = 1e-12;

function flag(
  check: string,
  severity: SanityFlag['severity'],
  message: string,
  details: SanityFlag['details'] = {},
  attackKey: string | null = null,
): SanityFlag {
  return { check, severity, message, attackKey, details };
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

/** Gradients of the per-sample cross-entropy with respect to the input: zero or non-finite. */
export function checkGradients(ctx: AttackContext, batch: AttackBatch): SanityFlag[] {
  const { maxAbs, finite } = tf.tidy(() => {
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(
        crossEntropyPerSample(
          ctx.classifier.logits(x as tf.Tensor4D, { training: false }),
          batch.y,
        ),
      ),
    )(batch.x);
    const flat = tf.reshape(g, [g.shape[0], -1]);
    const isFinite = tf.all(tf.isFinite(flat), 1);
    return {
      maxAbs: Array.from(tf.max(tf.abs(flat), 1).dataSync()),
      finite: Array.from(isFinite.dataSync(), Boolean),
    };
  });
  const n = maxAbs.length;
  const flags: SanityFlag[] = [];
  const nonFinite = finite.filter((f) => !f).length;
  if (nonFinite > 0) {
    flags.push(
      flag(
        SANITY_CHECKS.nonFiniteGradients,
        'error',
        `The input gradient is NaN or infinite for ${nonFinite} of ${n} samples, so gradient attacks cannot work and their robust accuracy is meaningless.`,
        { samples: nonFinite, total: n },
      ),
    );
  }
  const zero = maxAbs.filter((m, i) => finite[i] && m < ZERO_GRADIENT_TOLERANCE).length;
  if (zero / n >= ZERO_GRADIENT_SHARE) {
    flags.push(
      flag(
        SANITY_CHECKS.zeroGradients,
        zero / n >= 0.5 ? 'error' : 'warning',
        `The input gradient is exactly zero for ${zero} of ${n} samples (${pct(zero / n)}), a sign of gradient masking (rounding, quantisation or saturated outputs): trust the black-box and noise results over the gradient attacks.`,
        { samples: zero, total: n, share: zero / n },
      ),
    );
  }
  return flags;
}

/** The same input twice must give the same logits, and logits must not be probabilities. */
export function checkOutputs(ctx: AttackContext, batch: AttackBatch): SanityFlag[] {
  const flags: SanityFlag[] = [];
  const { diff, scale, probLike } = tf.tidy(() => {
    const a = ctx.classifier.logits(batch.x, { training: false });
    const b = ctx.classifier.logits(batch.x, { training: false });
    const rowSums = tf.sum(a, 1);
    const inUnit = tf.logicalAnd(tf.greaterEqual(tf.min(a), 0), tf.lessEqual(tf.max(a), 1));
    const sumsToOne = tf.lessEqual(tf.max(tf.abs(tf.sub(rowSums, 1))), 1e-3);
    return {
      diff: tf.max(tf.abs(tf.sub(a, b))).dataSync()[0],
      scale: tf.max(tf.abs(a)).dataSync()[0],
      probLike: tf.logicalAnd(inUnit, sumsToOne).dataSync()[0] === 1,
    };
  });
  // Non-finite outputs are reported by the gradient check; here only real differences count.
  if (Number.isFinite(diff) && diff > 1e-5 * (1 + scale)) {
    flags.push(
      flag(
        SANITY_CHECKS.nondeterministic,
        'error',
        `The model gives different outputs for the same input (up to ${diff.toPrecision(3)}), so attacks chase a moving target and robust accuracy can be overstated: disable dropout or other randomness at inference.`,
        { maxDifference: diff },
      ),
    );
  }
  if (probLike) {
    flags.push(
      flag(
        SANITY_CHECKS.probabilities,
        'warning',
        'The model outputs look like probabilities (in [0,1], summing to 1) rather than logits, so the attacks apply softmax twice and their gradients flatten: export the layer before the softmax.',
      ),
    );
  }
  return flags;
}

/** Robust accuracy must not rise with the budget along a strength sweep. */
export function checkMonotonicSweeps(curves: readonly SweepCurve[], total: number): SanityFlag[] {
  // Allow the sampling noise of one sample or two standard errors, whichever is larger.
  const flags: SanityFlag[] = [];
  for (const c of curves) {
    const pts = [...c.points].sort((p, q) => p.eps - q.eps);
    for (let i = 1; i < pts.length; i++) {
      const prev = pts[i - 1];
      const cur = pts[i];
      const p = prev.accuracy;
      const tol = Math.max(
        1 / Math.max(total, 1),
        2 * Math.sqrt((p * (1 - p)) / Math.max(total, 1)),
      );
      if (cur.accuracy > prev.accuracy + tol) {
        flags.push(
          flag(
            SANITY_CHECKS.accuracyNotFalling,
            'warning',
            `${c.name}: robust accuracy rises from ${pct(prev.accuracy)} at ε = ${prev.eps.toPrecision(3)} to ${pct(cur.accuracy)} at ε = ${cur.eps.toPrecision(3)} (${c.unit}), which a working attack cannot do; the attack is failing, often because of gradient masking.`,
            {
              lowEps: prev.eps,
              highEps: cur.eps,
              lowAccuracy: prev.accuracy,
              highAccuracy: cur.accuracy,
            },
            c.preset,
          ),
        );
        break;
      }
    }
  }
  return flags;
}

/** Per-sample "still correct" under `draws` random perturbations of the given norm and size. */
function noiseRobust(
  ctx: AttackContext,
  batch: AttackBatch,
  norm: 'linf' | 'l2',
  eps: number,
  draws: number,
  rng: () => number,
): boolean[] {
  const labels = Array.from(batch.y.dataSync());
  const robust = labels.map(() => true);
  const [b] = batch.x.shape;
  const per = batch.x.size / b;
  for (let d = 0; d < draws; d++) {
    const noise = new Float32Array(batch.x.size);
    for (let s = 0; s < b; s++) {
      if (norm === 'linf') {
        // Corners of the ball: the strongest random L∞ perturbations.
        for (let i = 0; i < per; i++) noise[s * per + i] = rng() < 0.5 ? -eps : eps;
      } else {
        let sq = 0;
        for (let i = 0; i < per; i++) {
          const u = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
          noise[s * per + i] = u;
          sq += u * u;
        }
        const k = eps / Math.sqrt(sq || 1);
        for (let i = 0; i < per; i++) noise[s * per + i] *= k;
      }
    }
    const pred = tf.tidy(() => {
      const x = tf.clipByValue(tf.add(batch.x, tf.tensor(noise, batch.x.shape)), 0, 1);
      return Array.from(
        tf.argMax(ctx.classifier.logits(x as tf.Tensor4D, { training: false }), 1).dataSync(),
      );
    });
    pred.forEach((p, i) => (robust[i] &&= p === labels[i]));
  }
  return robust;
}

/**
 * Random noise at the budget of each image-space L∞/L2 gradient attack must not fool more
 * samples than the attack itself (compared on this batch's noise accuracy against the attack's
 * audit accuracy, with a sampling tolerance).
 */
export function checkNoiseBaseline(
  ctx: AttackContext,
  batch: AttackBatch,
  attacks: readonly AttackResultInfo[],
  options: SanityOptions = {},
): SanityFlag[] {
  const draws = options.noiseDraws ?? 5;
  const rng = makeRng(options.seed ?? 1);
  const flags: SanityFlag[] = [];
  const n = batch.x.shape[0];
  const cache = new Map<string, number>();
  for (const a of attacks) {
    const norm = a.budget.norm;
    if (a.space !== 'image' || (norm !== 'linf' && norm !== 'l2')) continue;
    const key = `${norm}:${a.budget.eps}`;
    if (!cache.has(key)) {
      const robust = noiseRobust(ctx, batch, norm, a.budget.eps, draws, rng);
      cache.set(key, robust.filter(Boolean).length / n);
    }
    const noiseAcc = cache.get(key)!;
    const p = a.accuracy;
    const tol = Math.max(1 / n, 2 * Math.sqrt((p * (1 - p)) / n + (noiseAcc * (1 - noiseAcc)) / n));
    if (noiseAcc + tol < a.accuracy) {
      flags.push(
        flag(
          SANITY_CHECKS.noiseBeatsGradient,
          'error',
          `${a.name}: random noise of the same ${norm === 'linf' ? 'L∞' : 'L2'} size (ε = ${a.budget.eps.toPrecision(3)} [0,1] px) leaves ${pct(noiseAcc)} accuracy, below the attack's ${pct(a.accuracy)}, so the gradient attack is not finding what exists: the gradients are likely masked.`,
          { eps: a.budget.eps, noiseAccuracy: noiseAcc, attackAccuracy: a.accuracy, draws },
          a.key,
        ),
      );
    }
  }
  return flags;
}

/** All checks; the audit engine stores the flags with the audit and the CLI prints them. */
export async function runSanityChecks(
  ctx: AttackContext,
  batch: AttackBatch,
  results: SanityInput,
  options: SanityOptions = {},
): Promise<SanityFlag[]> {
  const total = results.attacks.reduce((m, a) => Math.max(m, a.total), batch.x.shape[0]);
  const flags = [
    ...checkGradients(ctx, batch),
    ...checkOutputs(ctx, batch),
    ...checkMonotonicSweeps(results.curves, total),
    ...checkNoiseBaseline(ctx, batch, results.attacks, options),
  ];
  await Promise.resolve();
  return flags;
}
