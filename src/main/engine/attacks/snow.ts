/**
 * Snow attack (Kang et al. 2019, "Testing robustness against unforeseen adversaries").
 *
 * Threat model: snow flakes of adversarial intensity on a sparse grid. Intensities I (B, 7, ⌈H/4⌉,
 * ⌈W/4⌉) start at exp(−U/0.2); flake k sits on one fixed offset of every 4×4 cell with value I⁴
 * and is drawn with its own 13×13 anti-aliased line kernel (random direction, width 1/3/5, mirrored
 * through the centre, lightly blurred). The image is brightened, then the snow added:
 * out = 0.75x + 0.25·max(x, 1.5·lum + 0.5); x′ = clamp(out + ε·snow, 0, 1).
 * After each signed step I is clamped to [1e-9, 1] and every 8×8 block of a flake channel whose
 * mean exceeds 0.2 is scaled down to mean 0.2 (the flake budget).
 *
 * Units: ε in [0,1] pixel units (the reference already works in [0,1] here: DMAT ε = 0.0625);
 * stepSize in intensity units (reference 0.002236, 200 steps). Any H×W; 1 or 3 channels (the
 * luminance of a one-channel image is the image).
 *
 * Differences from advex-uar's code (ddkang/advex-uar, snow_attack.py and snow.py):
 *  - the flake budget covers the partial 8×8 blocks at the border; advex-uar pools into
 *    ⌊(side/4)/8⌋ whole blocks, so images under 32 px (28×28: a 7×7 intensity grid) get no budget
 *    at all and the flakes can reach full intensity everywhere, a different threat model. At
 *    224 px both are the same;
 *  - every iterate is projected; advex-uar skips the projection after its last step, so its
 *    returned intensities may exceed the budget by one step;
 *  - one-channel images are their own luminance (advex-uar: RGB only); the intensity grid is
 *    ⌈H/4⌉×⌈W/4⌉ for any H×W (advex-uar: ⌊side/4⌋, square images);
 *  - each sample's best iterate is returned (advex-uar: the last).
 *
 * Example: `new SnowAttack().attack(ctx, batch, { eps: 0.0625, steps: 200 })`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ParametricAttack,
  luminance,
  signedStep,
  type ParametricProblem,
  type ResolvedBudget,
} from './parametric-attack';
import { fixedConv2d } from './fixed-filters';
import type { AttackOptions } from './types';

export const SNOW_KERNEL_SIZE = 13;
export const SNOW_FLAKE_CHANNELS = 7;
/** Largest mean intensity allowed in an 8×8 block of one flake channel. */
export const SNOW_BLOCK_BUDGET = 0.2;

/** Offsets (row, col) of flake channel k inside each 4×4 cell (the reference's sparse grid). */
const FLAKE_OFFSETS: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [0, 3],
  [1, 0],
  [2, 0],
  [3, 0],
];

/** Anti-aliased line of width `w` from (r0,c0) to (r1,c1) drawn into `k` (size×size), rows ≥ rmin. */
function drawLine(
  k: Float32Array,
  size: number,
  r0: number,
  c0: number,
  r1: number,
  c1: number,
  w: number,
  rmin: number,
): void {
  const steep = Math.abs(c1 - c0) < Math.abs(r1 - r0);
  // Walk along the longer axis; `a` is that axis, `b` the other.
  let [a0, b0, a1, b1] = steep ? [r0, c0, r1, c1] : [c0, r0, c1, r1];
  if (a0 > a1) [a0, b0, a1, b1] = [a1, b1, a0, b0];
  const slope = a1 === a0 ? 0 : (b1 - b0) / (a1 - a0);
  const width = (w * Math.sqrt(1 + Math.abs(slope))) / 2;
  const thick = Math.ceil(width / 2);
  for (let a = a0; a <= a1; a++) {
    const bExact = b0 + slope * (a - a0);
    for (let d = -thick - 1; d <= thick + 1; d++) {
      const b = Math.floor(bExact) + d;
      const val = Math.min(1, Math.max(0, 1 + width / 2 - Math.abs(b - bExact)));
      const [r, c] = steep ? [a, b] : [b, a];
      if (val <= 0 || r < rmin || r >= size || c < 0 || c >= size) continue;
      k[r * size + c] = val;
    }
  }
}

function gaussianBlur3(k: Float32Array, size: number, sigma: number): Float32Array {
  const g = [-1, 0, 1].map((d) => Math.exp(-(d * d) / (2 * sigma * sigma)));
  const s = g.reduce((p, q) => p + q, 0);
  const w = g.map((v) => v / s);
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let acc = 0;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || rr >= size || cc < 0 || cc >= size) continue;
          acc += w[dr + 1] * w[dc + 1] * k[rr * size + cc];
        }
      }
      out[r * size + c] = acc;
    }
  }
  return out;
}

/**
 * The seven flake kernels as a conv filter [13, 13, 7, 1]: a line from the centre towards the
 * lower right, mirrored through the centre, all flipped left-right with probability ½, blurred.
 */
export function snowKernels(rng: () => number): tf.Tensor4D {
  const size = SNOW_KERNEL_SIZE;
  const mid = Math.floor(size / 2);
  const flip = rng() < 0.5;
  const data = new Float32Array(size * size * SNOW_FLAKE_CHANNELS);
  for (let ch = 0; ch < SNOW_FLAKE_CHANNELS; ch++) {
    let k = new Float32Array(size * size);
    const r1 = mid + 2 + Math.floor(rng() * (size - mid - 2));
    const c1 = mid + 2 + Math.floor(rng() * (size - mid - 2));
    const u = rng();
    const width = u < 0.6 ? 1 : u < 0.9 ? 3 : 5;
    drawLine(k, size, mid, mid, r1, c1, width, mid);
    // Point-mirror the lower-right half into the upper-left quadrant.
    for (let r = 0; r <= mid; r++) {
      for (let c = 0; c <= mid; c++) k[r * size + c] = k[(size - 1 - r) * size + (size - 1 - c)];
    }
    if (flip) {
      const f = new Float32Array(size * size);
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) f[r * size + c] = k[r * size + (size - 1 - c)];
      }
      k = f;
    }
    k = gaussianBlur3(k, size, 0.41 + 0.19 * rng()) as Float32Array<ArrayBuffer>;
    for (let i = 0; i < size * size; i++) data[i * SNOW_FLAKE_CHANNELS + ch] = k[i];
  }
  return tf.tensor4d(data, [size, size, SNOW_FLAKE_CHANNELS, 1]);
}

/** Initial intensities exp(−U/0.2), shape [B, ⌈H/4⌉, ⌈W/4⌉, 7] (NHWC). */
export function initialSnowIntensities(
  rng: () => number,
  batch: number,
  height: number,
  width: number,
): tf.Tensor4D {
  const h4 = Math.ceil(height / 4);
  const w4 = Math.ceil(width / 4);
  const n = batch * h4 * w4 * SNOW_FLAKE_CHANNELS;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.exp(-rng() / SNOW_BLOCK_BUDGET);
  return tf.tensor4d(v, [batch, h4, w4, SNOW_FLAKE_CHANNELS]);
}

/**
 * Snow layer [B, H, W, 1] from intensities [B, h4, w4, 7]: each flake channel's I⁴ is placed on
 * its offset of the 4×4 cells, then all channels are drawn with their kernels and summed by
 * `draw` (a 'same' convolution with the kernels, e.g. `fixedConv2d(snowKernels(rng)).apply`).
 */
export function snowLayer(
  intensities: tf.Tensor4D,
  draw: (grid: tf.Tensor4D) => tf.Tensor4D,
  height: number,
  width: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h4, w4, k] = intensities.shape;
    const placement = new Float32Array(16 * k);
    FLAKE_OFFSETS.forEach(([r, c], ch) => (placement[(r * 4 + c) * k + ch] = 1));
    // [B, h4, 1, w4, 1, k] × [1, 1, 4, 1, 4, k] → [B, 4·h4, 4·w4, k].
    const pow4 = tf.reshape(tf.square(tf.square(intensities)), [b, h4, 1, w4, 1, k]);
    const mask = tf.reshape(tf.tensor1d(placement), [1, 1, 4, 1, 4, k]);
    const grid = tf.reshape(tf.mul(pow4, mask), [b, 4 * h4, 4 * w4, k]) as tf.Tensor4D;
    const snow = draw(grid);
    return tf.slice(snow, [0, 0, 0, 0], [-1, height, width, 1]) as tf.Tensor4D;
  });
}

/** Brightening before the snow: 0.75x + 0.25·max(x, 1.5·lum + 0.5). */
export function brightenForSnow(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(
    () =>
      tf.add(
        tf.mul(x, 0.75),
        tf.mul(tf.maximum(x, tf.add(tf.mul(luminance(x), 1.5), 0.5)), 0.25),
      ) as tf.Tensor4D,
  );
}

export function applySnow(x: tf.Tensor4D, snow: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(
    () => tf.clipByValue(tf.add(brightenForSnow(x), tf.mul(snow, eps)), 0, 1) as tf.Tensor4D,
  );
}

/**
 * The flake budget: clamp to [1e-9, 1], then scale every 8×8 block (per flake channel) whose mean
 * exceeds 0.2 down to mean 0.2. Blocks at the border may be partial; their mean is over what exists.
 */
export function projectSnowIntensities(intensities: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const clamped = tf.clipByValue(intensities, 1e-9, 1) as tf.Tensor4D;
    const [, h4, w4] = clamped.shape;
    const ph = Math.ceil(h4 / 8) * 8 - h4;
    const pw = Math.ceil(w4 / 8) * 8 - w4;
    const padded = tf.pad(clamped, [
      [0, 0],
      [0, ph],
      [0, pw],
      [0, 0],
    ]);
    const ones = tf.pad(tf.onesLike(clamped), [
      [0, 0],
      [0, ph],
      [0, pw],
      [0, 0],
    ]);
    const sums = tf.avgPool(padded as tf.Tensor4D, 8, 8, 'valid');
    const counts = tf.avgPool(ones as tf.Tensor4D, 8, 8, 'valid');
    const means = tf.div(sums, counts);
    const factor = tf.div(SNOW_BLOCK_BUDGET, tf.maximum(means, SNOW_BLOCK_BUDGET));
    // Nearest-neighbour upsampling of the block factors back to the intensity grid.
    const up = tf.slice(
      tf.image.resizeNearestNeighbor(factor as tf.Tensor4D, [h4 + ph, w4 + pw]),
      [0, 0, 0, 0],
      [-1, h4, w4, -1],
    );
    return tf.mul(clamped, up) as tf.Tensor4D;
  });
}

export class SnowAttack extends ParametricAttack {
  readonly id = 'snow';
  readonly unit = 'pixel [0,1]' as const;
  /** Measured: L∞ of x′ − x in [0,1] pixels (informative; the budget is the snow weight ε). */
  readonly norm = 'snow';

  constructor(name = 'Snow') {
    super(name);
  }

  protected defaultStepSize(): number {
    return 0.002236;
  }

  /** The flake kernels and intensities are drawn at random whatever the start. */
  override randomised(_options: AttackOptions): boolean {
    return true;
  }

  protected setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    _options: AttackOptions,
  ): ParametricProblem {
    const [b, h, w] = x.shape;
    const kernels = snowKernels(rng);
    const conv = fixedConv2d(kernels);
    const start = initialSnowIntensities(rng, b, h, w);
    return {
      params: [start],
      constants: [kernels, ...conv.tensors],
      render: ([i]) => applySnow(x, snowLayer(i as tf.Tensor4D, conv.apply, h, w), budget.eps),
      step: (ps, gs) => signedStep(ps, gs, budget.stepSize),
      project: ([i]) => [projectSnowIntensities(i as tf.Tensor4D)],
    };
  }
}
