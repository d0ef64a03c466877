/**
 * Fog attack (Kang et al. 2019, "Testing robustness against unforeseen adversaries").
 *
 * Threat model: a diamond-square fog map, driven by per-level U[0,1] variables, is blended into the
 * image: x′ = clamp((x + ε·fog) / (x_max + ε), 0, 1), x_max the per-image, per-channel maximum.
 * The attack takes signed-gradient steps on the fog variables, clamped to [0,1].
 *
 * Units: ε in [0,1] pixel units (the reference's ε = 128 in [0,255] is 128/255 ≈ 0.502 here);
 * stepSize in fog-variable units (the variables live in [0,1]). Reference: 200 steps of 0.002236.
 * Shapes: any H×W (the map has side M = next power of two ≥ max(H, W) and is centre-cropped),
 * 1 or 3 channels (one fog map per image, shared by the channels).
 *
 * Differences from advex-uar's code (ddkang/advex-uar, fog_attack.py and fog.py):
 *  - units: [0,1] pixels instead of [0,255] (the same blend);
 *  - the map is scaled to [0,1] per image; advex-uar takes one min and max over the whole batch,
 *    so an image's fog spans only part of [0,1] and depends on its batch companions: weaker, and
 *    not reproducible across batch sizes;
 *  - the diamond step takes the neighbours one cell away, as the plasma fractal advex-uar ports;
 *    its torch port rolls by two (`torch.roll(drgrid, 2, 1)`), a different texture on grids of
 *    4 cells and more;
 *  - map side: advex-uar uses 2^(⌊log₂ side⌋ + 1) with a fixed 16-pixel crop per side, the same
 *    as ours at 224 px, and nothing left of a 28-pixel image;
 *  - each sample's best iterate is returned (advex-uar: the last).
 * The measured effect of each on the shipped classifiers is in docs/attacks-vs-advex-uar.md.
 *
 * Example: `new FogAttack().attack(ctx, batch, { eps: 128 / 255, steps: 200 })`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ParametricAttack,
  signedStep,
  uniformTensor,
  type ParametricProblem,
  type ResolvedBudget,
} from './parametric-attack';
import type { AttackOptions } from './types';

/** Side of the fog map for an image: the next power of two ≥ max(H, W) (at least 2). */
export function fogMapSize(height: number, width: number): number {
  return Math.max(2, 2 ** Math.ceil(Math.log2(Math.max(height, width))));
}

/** Shapes of the fog variables: three [B, 2^i, 2^i] tensors per level i = 0..log2(M)−1. */
export function fogVariableShapes(batch: number, mapSize: number): number[][] {
  const shapes: number[][] = [];
  for (let i = 0; i < Math.log2(mapSize); i++) {
    for (let j = 0; j < 3; j++) shapes.push([batch, 2 ** i, 2 ** i]);
  }
  return shapes;
}

/** Interleave four n×n grids into a 2n×2n grid: (even,even)=a, (even,odd)=b, (odd,even)=c, (odd,odd)=d. */
function interleave(a: tf.Tensor3D, b: tf.Tensor3D, c: tf.Tensor3D, d: tf.Tensor3D): tf.Tensor3D {
  const [bs, n] = a.shape;
  const even = tf.reshape(tf.stack([a, b], 3), [bs, n, 2 * n]);
  const odd = tf.reshape(tf.stack([c, d], 3), [bs, n, 2 * n]);
  return tf.reshape(tf.stack([even, odd], 2), [bs, 2 * n, 2 * n]);
}

/**
 * Diamond-square fog map from its variables, normalised per image to [0,1]: [B, M, M].
 * The map is periodic (neighbours wrap around), as in the reference; `wibble` starts at 100 and is
 * divided by `wibbleDecay` per level; a new value is neighbour mean + v·2·wibble − wibble.
 */
export function fogMap(vars: tf.Tensor[], mapSize: number, wibbleDecay = 2): tf.Tensor3D {
  return tf.tidy(() => {
    const bs = vars[0].shape[0];
    let grid = tf.zeros([bs, 1, 1]) as tf.Tensor3D;
    let wibble = 100;
    const wibbled = (sum: tf.Tensor, v: tf.Tensor) =>
      tf.sub(tf.add(tf.div(sum, 4), tf.mul(v, 2 * wibble)), wibble) as tf.Tensor3D;
    const roll = (t: tf.Tensor3D, axis: 1 | 2, shift: 1 | -1): tf.Tensor3D => {
      const n = t.shape[axis];
      if (n === 1) return t;
      // roll by −1 brings element k+1 to k; by +1 brings element k−1 to k.
      const k = shift === -1 ? 1 : n - 1;
      const [head, tail] = tf.split(t, [k, n - k], axis);
      return tf.concat([tail, head], axis) as tf.Tensor3D;
    };
    for (let level = 0; mapSize >> level >= 2; level++) {
      const [vSquare, vDiamondRow, vDiamondCol] = vars.slice(3 * level, 3 * level + 3);
      // Square step: centre = mean of the four surrounding corners.
      const rowSum = tf.add(grid, roll(grid, 1, -1)) as tf.Tensor3D;
      const centre = wibbled(tf.add(rowSum, roll(rowSum, 2, -1)), vSquare);
      // Diamond steps: edge midpoints = mean of the two corners and the two centres beside them.
      const top = wibbled(
        tf.addN([centre, roll(centre, 1, 1), grid, roll(grid, 2, -1)]),
        vDiamondRow,
      );
      const left = wibbled(
        tf.addN([centre, roll(centre, 2, 1), grid, roll(grid, 1, -1)]),
        vDiamondCol,
      );
      grid = interleave(grid, top, left, centre);
      wibble /= wibbleDecay;
    }
    const lo = tf.min(grid, [1, 2], true);
    const shifted = tf.sub(grid, lo);
    return tf.div(shifted, tf.add(tf.max(shifted, [1, 2], true), 1e-12)) as tf.Tensor3D;
  });
}

/** Fog blend of an image batch with a [B, M, M] map, centre-cropped to the image size. */
export function applyFog(x: tf.Tensor4D, map: tf.Tensor3D, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const m = map.shape[1];
    const top = Math.floor((m - h) / 2);
    const left = Math.floor((m - w) / 2);
    const fog = tf.expandDims(tf.slice(map, [0, top, left], [-1, h, w]), 3);
    const xMax = tf.max(x, [1, 2], true);
    const out = tf.div(tf.add(x, tf.mul(fog, eps)), tf.add(xMax, eps));
    return tf.clipByValue(out, 0, 1) as tf.Tensor4D;
  });
}

export class FogAttack extends ParametricAttack {
  readonly id = 'fog';
  readonly unit = 'pixel [0,1]' as const;
  /** Measured: L∞ of x′ − x in [0,1] pixels (informative; the budget is the blend weight ε). */
  readonly norm = 'fog';

  constructor(name = 'Fog') {
    super(name);
  }

  protected defaultStepSize(): number {
    return 0.002236;
  }

  /** The map variables are drawn at random whatever the start. */
  override randomised(_options: AttackOptions): boolean {
    return true;
  }

  protected setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    options: AttackOptions,
  ): ParametricProblem {
    const [b, h, w] = x.shape;
    const mapSize = fogMapSize(h, w);
    const decay = typeof options.wibbleDecay === 'number' ? options.wibbleDecay : 2;
    const params = fogVariableShapes(b, mapSize).map((s) => uniformTensor(rng, s));
    return {
      params,
      render: (vars) => applyFog(x, fogMap(vars, mapSize, decay), budget.eps),
      step: (vars, grads) => signedStep(vars, grads, budget.stepSize),
      project: (vars) => vars.map((v) => tf.clipByValue(v, 0, 1)),
    };
  }
}
