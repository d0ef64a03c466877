/**
 * Restarts for any attack (`options.restarts`, default 1): the attack runs again with a fresh seed
 * on the samples it has not broken yet, and a sample counts as broken when any run breaks it
 * (AutoAttack's convention). Attacks that restart themselves (APGD) get the option as it is. The
 * first run uses the caller's seed, so one restart is exactly the plain attack.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEED, deriveSeed } from './seeds';
import type {
  Attack,
  AttackBatch,
  AttackContext,
  AttackOptions,
  AttackResult,
  Budget,
} from './types';

/** Seed streams of the restarts (apart from the attacks' own streams). */
const RESTART_STREAM = 1000;

/** `options.restarts` as a count ≥ 1. */
export function restartCount(options: AttackOptions): number {
  const r = options.restarts;
  if (r === undefined) return 1;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) {
    throw new Error(`option "restarts" must be an integer ≥ 1, got ${JSON.stringify(r)}`);
  }
  return r;
}

function rows<T extends tf.Tensor>(t: T, idx: number[]): T {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32'))) as T;
}

/** Row i of the result is row `pick[i]` of [a; b] (b's rows numbered after a's). */
function pickRows<T extends tf.Tensor>(a: T, b: T, pick: number[]): T {
  return tf.tidy(() => tf.gather(tf.concat([a, b], 0), tf.tensor1d(pick, 'int32'))) as T;
}

export async function attackWithRestarts(
  attack: Attack,
  ctx: AttackContext,
  batch: AttackBatch,
  budget: Budget,
  options: AttackOptions = {},
): Promise<AttackResult> {
  const restarts = restartCount(options);
  const { restarts: _omit, ...once } = options;
  if (attack.handlesRestarts) return attack.attack(ctx, batch, budget, options);
  const result = await attack.attack(ctx, batch, budget, once);
  const seed = options.seed ?? DEFAULT_SEED;
  for (let r = 1; r < restarts; r++) {
    const open = result.success.flatMap((broken, i) => (broken ? [] : [i]));
    if (open.length === 0) break;
    const sub: AttackBatch = {
      x: rows(batch.x, open),
      y: rows(batch.y, open),
      w: batch.w ? rows(batch.w, open) : undefined,
    };
    try {
      const again = await attack.attack(ctx, sub, budget, {
        ...once,
        seed: deriveSeed(seed, RESTART_STREAM + r),
      });
      const n = result.success.length;
      const pick = result.success.map((_, i) => i);
      open.forEach((i, k) => {
        if (!again.success[k]) return;
        pick[i] = n + k;
        result.success[i] = true;
        result.predicted[i] = again.predicted[k];
        result.perturbationNorm[i] = again.perturbationNorm[k];
      });
      const xAdv = pickRows(result.xAdv, again.xAdv, pick);
      const wAdv =
        result.wAdv && again.wAdv ? pickRows(result.wAdv, again.wAdv, pick) : result.wAdv;
      tf.dispose([result.xAdv, again.xAdv, ...(again.wAdv ? [again.wAdv] : [])]);
      if (wAdv !== result.wAdv) result.wAdv?.dispose();
      result.xAdv = xAdv;
      result.wAdv = wAdv;
    } finally {
      tf.dispose([sub.x, sub.y, ...(sub.w ? [sub.w] : [])]);
    }
  }
  return result;
}
