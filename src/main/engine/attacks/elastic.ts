/**
 * Elastic attack (Kang et al. 2019, "Testing robustness against unforeseen adversaries").
 *
 * Threat model: a smooth local deformation. A flow field (B, H, W, 2) starts U[−ε, ε], is smoothed
 * by a 25×25 Gaussian (σ = 3, reflect padding; separable, so two 25-tap passes) and moves every
 * output pixel's sampling point; the image is resampled bilinearly (zeros outside the image).
 * Signed steps on the raw flow, clipped to ±ε.
 *
 * Units: ε and stepSize in pixels of displacement (the reference stores ε·2/H in grid units, the
 * same thing); DMAT ε = 0.5 px, step ε/√200, 200 steps. The flow is never scaled with the image
 * size. Any H×W (the smoothing radius shrinks to fit images under 13 px), 1 or 3 channels.
 *
 * Differences from advex-uar's code (ddkang/advex-uar, elastic_attack.py and elastic.py):
 *  - zero flow is the identity and ε is exactly pixels. advex-uar samples with F.grid_sample on
 *    the grid linspace(−1, 1, side) plus the flow scaled by 2/side: with PyTorch ≥ 1.3's default
 *    align_corners=False that grid is not the identity (the clean image is resampled at a zoom of
 *    side/(side − 1), half a pixel of zeros at the border) while ε is exact; with the older
 *    default (align_corners=True) the grid is the identity and ε is ε·(side − 1)/side pixels;
 *  - each sample's best iterate is returned (advex-uar: the last);
 *  - any H×W and 1 or 3 channels (advex-uar: square RGB images).
 *
 * Example: `new ElasticAttack().attack(ctx, batch, { eps: 0.5, steps: 200 })`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ParametricAttack,
  signedStep,
  uniformTensor,
  type ParametricProblem,
  type ResolvedBudget,
} from './parametric-attack';
import { reflectFilterMatrix } from './fixed-filters';
import type { AttackOptions } from './types';

export const ELASTIC_KERNEL_SIZE = 25;
export const ELASTIC_KERNEL_SIGMA = 3;

/** Normalised 1-D Gaussian taps of radius r. */
export function gaussianTaps(radius: number, sigma: number): Float32Array {
  const taps = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    taps[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += taps[i + radius];
  }
  return taps.map((t) => t / sum);
}

/**
 * Gaussian smoothing of a flow [B,H,W,2] with reflect padding. The Gaussian is separable and the
 * padding linear, so the smoothing is A_h · F · A_wᵀ per plane with the boundary folded into the
 * n×n matrices: two matrix products forward and backward.
 */
export function smoothFlow(
  flow: tf.Tensor4D,
  kernelSize = ELASTIC_KERNEL_SIZE,
  sigma = ELASTIC_KERNEL_SIGMA,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = flow.shape;
    const radius = Math.min((kernelSize - 1) / 2, h - 1, w - 1);
    if (radius < 1) return tf.clone(flow);
    const taps = gaussianTaps(radius, sigma);
    const ah = tf.tensor2d(reflectFilterMatrix(h, taps), [h, h]);
    const aw = tf.tensor2d(reflectFilterMatrix(w, taps), [w, w]);
    // [B,H,W,C] → [B·C·H, W] · A_wᵀ → [B·C, H, W] → [B·C·W, H] · A_hᵀ.
    const planes = tf.transpose(flow, [0, 3, 1, 2]);
    const rows = tf.matMul(tf.reshape(planes, [b * c * h, w]), aw, false, true);
    const cols = tf.transpose(tf.reshape(rows, [b * c, h, w]), [0, 2, 1]);
    const both = tf.matMul(tf.reshape(cols, [b * c * w, h]), ah, false, true);
    const back = tf.transpose(tf.reshape(both, [b, c, w, h]), [0, 3, 2, 1]);
    return back as tf.Tensor4D;
  });
}

/**
 * Bilinear resampling of x at (row + flow[..., 1], col + flow[..., 0]) in pixels, zeros outside.
 * Zero flow returns x exactly. Differentiable in the flow (the corner weights carry the gradient).
 */
export function warpBilinear(x: tf.Tensor4D, flow: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const rows = tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1]);
    const cols = tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w]);
    const [fx, fy] = tf.unstack(flow, 3) as tf.Tensor3D[];
    const py = tf.add(rows, fy);
    const px = tf.add(cols, fx);
    // The corner positions are constants for the gradient (it flows through the weights only),
    // so they are read back and rebuilt outside the tape: gather has no gradient for its indices.
    const y0 = tf.tensor(Float32Array.from(py.dataSync(), Math.floor), py.shape);
    const x0 = tf.tensor(Float32Array.from(px.dataSync(), Math.floor), px.shape);
    const wy1 = tf.sub(py, y0);
    const wx1 = tf.sub(px, x0);
    const wy0 = tf.sub(1, wy1);
    const wx0 = tf.sub(1, wx1);
    const flat = tf.reshape(x, [b * h * w, c]);
    const base = tf.reshape(tf.mul(tf.range(0, b, 1, 'float32'), h * w), [b, 1, 1]);
    const corner = (yy: tf.Tensor, xx: tf.Tensor, weight: tf.Tensor): tf.Tensor => {
      const inside = tf.logicalAnd(
        tf.logicalAnd(tf.greaterEqual(yy, 0), tf.lessEqual(yy, h - 1)),
        tf.logicalAnd(tf.greaterEqual(xx, 0), tf.lessEqual(xx, w - 1)),
      );
      // Integer-valued floats, exact below 2^24 pixels per batch; cast once for the gather.
      const yi = tf.clipByValue(yy, 0, h - 1);
      const xi = tf.clipByValue(xx, 0, w - 1);
      const idx = tf.cast(tf.add(base, tf.add(tf.mul(yi, w), xi)), 'int32');
      const values = tf.reshape(tf.gather(flat, tf.reshape(idx, [-1])), [b, h, w, c]);
      const wt = tf.expandDims(tf.mul(weight, tf.cast(inside, 'float32')), 3);
      return tf.mul(values, wt);
    };
    const y1 = tf.add(y0, 1);
    const x1 = tf.add(x0, 1);
    return tf.addN([
      corner(y0, x0, tf.mul(wy0, wx0)),
      corner(y0, x1, tf.mul(wy0, wx1)),
      corner(y1, x0, tf.mul(wy1, wx0)),
      corner(y1, x1, tf.mul(wy1, wx1)),
    ]) as tf.Tensor4D;
  });
}

/** The deformed image for a raw (unsmoothed) flow, in [0,1]. */
export function applyElastic(x: tf.Tensor4D, rawFlow: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(warpBilinear(x, smoothFlow(rawFlow)), 0, 1) as tf.Tensor4D);
}

export class ElasticAttack extends ParametricAttack {
  readonly id = 'elastic';
  readonly unit = 'attack-specific' as const;
  /** Budget: L∞ of the raw flow in pixels. Measured: L∞ of x′ − x in [0,1] pixels. */
  readonly norm = 'flow-linf-px';

  constructor(name = 'Elastic') {
    super(name);
  }

  protected defaultStepSize(eps: number, steps: number): number {
    return eps / Math.sqrt(steps);
  }

  protected setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    options: AttackOptions,
  ): ParametricProblem {
    const [b, h, w] = x.shape;
    const { eps, stepSize } = budget;
    const start =
      options.randomStart === false
        ? tf.zeros([b, h, w, 2])
        : uniformTensor(rng, [b, h, w, 2], -eps, eps);
    return {
      params: [start],
      render: ([f]) => applyElastic(x, f as tf.Tensor4D),
      step: (ps, gs) => signedStep(ps, gs, stepSize),
      project: ([f]) => [tf.clipByValue(f, -eps, eps)],
    };
  }
}
