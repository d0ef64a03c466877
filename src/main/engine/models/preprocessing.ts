/**
 * Turning [0,1] pixels into what a network was trained on. Applied inside every classifier's
 * `logits`, so attacks and their budgets stay in [0,1] pixel units.
 *
 * Order: linear map of [0,1] onto `inputRange`, then channel reversal for BGR networks, then
 * per-channel `(x − mean) / std` (mean and std are in the network's channel order and range).
 */
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from './types';

export function isIdentity(p: Preprocessing, channels: number): boolean {
  return (
    p.inputRange[0] === 0 &&
    p.inputRange[1] === 1 &&
    (p.channelOrder === 'rgb' || channels === 1) &&
    (p.mean ?? []).every((m) => m === 0) &&
    (p.std ?? []).every((s) => s === 1)
  );
}

/** Check that mean and std fit the channel count; returns a message or undefined. */
export function preprocessingProblem(p: Preprocessing, channels: number): string | undefined {
  for (const key of ['mean', 'std'] as const) {
    const v = p[key];
    if (v && v.length !== 1 && v.length !== channels) {
      return `preprocessing.${key} has ${v.length} values but the model takes ${channels} channel(s)`;
    }
  }
  if (p.inputRange[1] === p.inputRange[0]) return 'preprocessing.inputRange is empty';
  return undefined;
}

export function applyPreprocessing(x: tf.Tensor4D, p: Preprocessing): tf.Tensor4D {
  const channels = x.shape[3];
  if (isIdentity(p, channels)) return x;
  return tf.tidy(() => {
    const [lo, hi] = p.inputRange;
    let y: tf.Tensor4D = lo === 0 && hi === 1 ? x : x.mul(hi - lo).add(lo);
    if (p.channelOrder === 'bgr' && channels === 3) y = tf.reverse(y, -1);
    if (p.mean) y = y.sub(tf.tensor1d(p.mean));
    if (p.std) y = y.div(tf.tensor1d(p.std));
    return y;
  });
}
