/**
 * JPEG attacks (Kang et al. 2019, "Testing robustness against unforeseen adversaries"; the
 * differentiable JPEG of Shin & Song 2017).
 *
 * Threat model: perturb the quantised DCT coefficients of the image's JPEG encoding. Encoding:
 * [0,255] values, RGB → YCbCr (JFIF), 4:2:0 chroma (2×2 means), 8×8 blocks, DCT of (value − 128),
 * division by the quality-50 tables; no rounding, so the encoding is invertible. The attack adds v
 * to the coefficients, decodes (multiply by the tables, inverse DCT, upsample the chroma, YCbCr →
 * RGB) and clamps to [0,255]. A one-channel image is its own luminance (Y only, no chroma).
 * Images whose sides are not multiples of the block size (16 with chroma, else 8) are padded by
 * edge replication at the bottom/right and cropped back.
 *
 *  - `jpeg-linf`: v in [−ε, ε] per coefficient, signed steps (default ε/√steps), reference 200.
 *  - `jpeg-l1`: Frank-Wolfe on ‖v‖₁ ≤ ε with a ±2 box per coefficient (reference DMAT ε = 1024).
 *
 * Units: v is in quantisation steps of the quality-50 tables (one unit = one step of that
 * coefficient's quantiser), independent of the pixel range. ε of `jpeg-l1` is a total and scales
 * with the pixel count (unseen-presets.ts).
 *
 * Differences from advex-uar's code (ddkang/advex-uar, jpeg_attack.py and jpeg.py):
 *  - the offset: advex-uar adds v/2 (its noisy-rounding hook computes x + ε·((0.5 + 0.5·v/ε)
 *    − 0.5)); here v is added as ALGORITHMS.md §3 states, so our ε is advex-uar's 2ε: the same
 *    ε perturbs twice as much here (the stronger reading);
 *  - the quantisation tables are in the standard orientation (rows = vertical frequency);
 *    advex-uar transposes both;
 *  - JPEG-L1's box: the room of a coefficient is 2 in either direction, so |v| ≤ 2 holds;
 *    advex-uar measures the room from the current iterate (2 − v or v + 2) but uses it as a
 *    vertex, so its iterates can reach ±4;
 *  - advex-uar evaluates its random start unscaled (an offset of ε·v/2 at the first gradient);
 *    here the start is in the budget like every iterate;
 *  - any H×W (edge padding to the block size; advex-uar refuses sides that are not multiples of
 *    16) and 1 channel (Y only);
 *  - each sample's best iterate is returned (advex-uar: the last).
 *
 * Example (28×28×1, DMAT setting scaled): `new JpegL1().attack(ctx, batch, { eps: 4.08, steps: 200 })`.
 */
import * as tf from '@tensorflow/tfjs';
import { frankWolfeStep, l1Vertices, randomL1Ball } from './l1-frank-wolfe';
import {
  ParametricAttack,
  signedStep,
  uniformTensor,
  type ParametricProblem,
  type ResolvedBudget,
} from './parametric-attack';
import type { AttackOptions } from './types';

/** Quality-50 luminance table, rows = vertical frequency. */
export const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Quality-50 chrominance table. */
export const CHROMA_TABLE = (() => {
  const t = new Array<number>(64).fill(99);
  const top = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 99, 47, 66, 99, 99];
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) t[r * 8 + c] = top[r * 4 + c];
  return t;
})();

/** Box per coefficient of the L1 variant, in quantisation steps. */
export const JPEG_L1_BOX = 2;

/**
 * Orthonormal 8×8 DCT-II as a 64×64 matrix acting on row vectors: coeffs = block · D, with block
 * index x·8 + y and coefficient index u·8 + v. Its inverse is its transpose.
 */
export function dctMatrix(): Float32Array {
  const d = new Float32Array(64 * 64);
  const alpha = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          d[(x * 8 + y) * 64 + u * 8 + v] =
            0.25 *
            alpha(u) *
            alpha(v) *
            Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
            Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      }
    }
  }
  return d;
}

/** Where each component's blocks live for an image shape. */
export interface JpegLayout {
  height: number;
  width: number;
  channels: number;
  /** Padded size (multiple of 16 with chroma, else of 8). */
  paddedHeight: number;
  paddedWidth: number;
  /** Number of 8×8 blocks per component: [Y] or [Y, Cb, Cr]. */
  blocks: number[];
}

export function jpegLayout(height: number, width: number, channels: number): JpegLayout {
  const unit = channels === 3 ? 16 : 8;
  const ph = Math.ceil(height / unit) * unit;
  const pw = Math.ceil(width / unit) * unit;
  const luma = (ph / 8) * (pw / 8);
  const chroma = (ph / 16) * (pw / 16);
  return {
    height,
    width,
    channels,
    paddedHeight: ph,
    paddedWidth: pw,
    blocks: channels === 3 ? [luma, chroma, chroma] : [luma],
  };
}

/** Number of coefficients per image (the size of v). */
export function jpegCoefficientCount(layout: JpegLayout): number {
  return layout.blocks.reduce((a, b) => a + b, 0) * 64;
}

function padEdges(x: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  let out = x;
  if (ph > h) {
    const last = tf.slice(out, [0, h - 1, 0, 0], [-1, 1, -1, -1]);
    out = tf.concat([out, tf.tile(last, [1, ph - h, 1, 1])], 1);
  }
  if (pw > w) {
    const last = tf.slice(out, [0, 0, w - 1, 0], [-1, -1, 1, -1]);
    out = tf.concat([out, tf.tile(last, [1, 1, pw - w, 1])], 2);
  }
  return out;
}

function toBlocks(plane: tf.Tensor, h: number, w: number): tf.Tensor3D {
  const b = plane.shape[0];
  const t = tf.transpose(tf.reshape(plane, [b, h / 8, 8, w / 8, 8]), [0, 1, 3, 2, 4]);
  return tf.reshape(t, [b, (h / 8) * (w / 8), 64]);
}

function fromBlocks(blocks: tf.Tensor, h: number, w: number): tf.Tensor4D {
  const b = blocks.shape[0];
  const t = tf.transpose(tf.reshape(blocks, [b, h / 8, w / 8, 8, 8]), [0, 1, 3, 2, 4]);
  return tf.reshape(t, [b, h, w, 1]);
}

function blockTransform(blocks: tf.Tensor3D, matrix: tf.Tensor2D): tf.Tensor3D {
  const [b, n] = blocks.shape;
  return tf.reshape(tf.matMul(tf.reshape(blocks, [b * n, 64]), matrix), [b, n, 64]);
}

/** The constants of the codec, built once per attack call. */
export class JpegCodec {
  readonly dct: tf.Tensor2D;
  readonly luma: tf.Tensor1D;
  readonly chroma: tf.Tensor1D;

  constructor(readonly layout: JpegLayout) {
    this.dct = tf.tensor2d(dctMatrix(), [64, 64]);
    this.luma = tf.tensor1d(LUMA_TABLE);
    this.chroma = tf.tensor1d(CHROMA_TABLE);
  }

  /** Quantised (unrounded) coefficients [B, blocks, 64] per component, for images in [0,1]. */
  encode(x: tf.Tensor4D): tf.Tensor3D[] {
    return tf.tidy(() => {
      const { paddedHeight: ph, paddedWidth: pw, channels } = this.layout;
      const img = tf.mul(padEdges(x, ph, pw), 255) as tf.Tensor4D;
      const code = (plane: tf.Tensor, h: number, w: number, table: tf.Tensor1D) =>
        tf.div(blockTransform(toBlocks(tf.sub(plane, 128), h, w), this.dct), table) as tf.Tensor3D;
      if (channels === 1) return [code(img, ph, pw, this.luma)];
      const [r, g, b] = tf.split(img, 3, 3);
      const y = tf.addN([tf.mul(r, 0.299), tf.mul(g, 0.587), tf.mul(b, 0.114)]);
      const cb = tf.add(tf.addN([tf.mul(r, -0.168736), tf.mul(g, -0.331264), tf.mul(b, 0.5)]), 128);
      const cr = tf.add(tf.addN([tf.mul(r, 0.5), tf.mul(g, -0.418688), tf.mul(b, -0.081312)]), 128);
      const sub = (c: tf.Tensor) => tf.avgPool(c as tf.Tensor4D, 2, 2, 'valid');
      return [
        code(y, ph, pw, this.luma),
        code(sub(cb), ph / 2, pw / 2, this.chroma),
        code(sub(cr), ph / 2, pw / 2, this.chroma),
      ];
    });
  }

  /** Images in [0,1] from coefficients (differentiable in them). */
  decode(coeffs: tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const { paddedHeight: ph, paddedWidth: pw, channels, height, width } = this.layout;
      const dctT = tf.transpose(this.dct) as tf.Tensor2D;
      const plane = (c: tf.Tensor, h: number, w: number, table: tf.Tensor1D) =>
        tf.add(fromBlocks(blockTransform(tf.mul(c, table) as tf.Tensor3D, dctT), h, w), 128);
      let img: tf.Tensor4D;
      if (channels === 1) {
        img = plane(coeffs[0], ph, pw, this.luma) as tf.Tensor4D;
      } else {
        const up = (c: tf.Tensor) => {
          const [b, h, w] = c.shape;
          const grid = tf.mul(tf.reshape(c, [b, h, 1, w, 1]), tf.ones([1, 1, 2, 1, 2]));
          return tf.sub(tf.reshape(grid, [b, 2 * h, 2 * w, 1]), 128);
        };
        const y = plane(coeffs[0], ph, pw, this.luma);
        const cb = up(plane(coeffs[1], ph / 2, pw / 2, this.chroma));
        const cr = up(plane(coeffs[2], ph / 2, pw / 2, this.chroma));
        img = tf.concat(
          [
            tf.add(y, tf.mul(cr, 1.402)),
            tf.addN([y, tf.mul(cb, -0.344136), tf.mul(cr, -0.714136)]),
            tf.add(y, tf.mul(cb, 1.772)),
          ],
          3,
        ) as tf.Tensor4D;
      }
      const cropped = tf.slice(img, [0, 0, 0, 0], [-1, height, width, -1]);
      return tf.div(tf.clipByValue(cropped, 0, 255), 255) as tf.Tensor4D;
    });
  }

  dispose(): void {
    tf.dispose([this.dct, this.luma, this.chroma]);
  }
}

/** Shared set-up of both JPEG variants. */
abstract class JpegAttack extends ParametricAttack {
  readonly unit = 'attack-specific' as const;

  protected abstract start(rng: () => number, shapes: number[][], eps: number): tf.Tensor[];
  protected abstract update(
    v: tf.Tensor[],
    g: tf.Tensor[],
    t: number,
    budget: ResolvedBudget,
  ): tf.Tensor[];
  protected abstract feasible(v: tf.Tensor[], budget: ResolvedBudget): tf.Tensor[];

  protected setup(
    x: tf.Tensor4D,
    budget: ResolvedBudget,
    rng: () => number,
    options: AttackOptions,
  ): ParametricProblem {
    const [b, h, w, c] = x.shape;
    const codec = new JpegCodec(jpegLayout(h, w, c));
    const clean = codec.encode(x);
    const shapes = codec.layout.blocks.map((n) => [b, n, 64]);
    const params =
      options.randomStart === false
        ? shapes.map((s) => tf.zeros(s))
        : this.start(rng, shapes, budget.eps);
    return {
      params,
      constants: [codec.dct, codec.luma, codec.chroma, ...clean],
      render: (v) => tf.tidy(() => codec.decode(clean.map((q, i) => tf.add(q, v[i])))),
      step: (v, g, t) => this.update(v, g, t, budget),
      project: (v) => this.feasible(v, budget),
    };
  }
}

export class JpegLinf extends JpegAttack {
  readonly id = 'jpeg-linf';
  readonly norm = 'jpeg-linf';

  constructor(name = 'JPEG-L∞') {
    super(name);
  }

  protected defaultStepSize(eps: number, steps: number): number {
    return eps / Math.sqrt(steps);
  }

  protected start(rng: () => number, shapes: number[][], eps: number): tf.Tensor[] {
    return shapes.map((s) => uniformTensor(rng, s, -eps, eps));
  }

  protected update(v: tf.Tensor[], g: tf.Tensor[], _t: number, b: ResolvedBudget): tf.Tensor[] {
    return signedStep(v, g, b.stepSize);
  }

  protected feasible(v: tf.Tensor[], b: ResolvedBudget): tf.Tensor[] {
    return v.map((p) => tf.clipByValue(p, -b.eps, b.eps));
  }

  protected override measure(
    _x: tf.Tensor4D,
    _xAdv: tf.Tensor4D,
    params: tf.Tensor[],
  ): tf.Tensor1D {
    return tf.tidy(
      () => tf.max(tf.stack(params.map((p) => tf.max(tf.abs(p), [1, 2]))), 0) as tf.Tensor1D,
    );
  }
}

export class JpegL1 extends JpegAttack {
  readonly id = 'jpeg-l1';
  readonly norm = 'jpeg-l1';

  constructor(name = 'JPEG-L1') {
    super(name);
  }

  protected defaultStepSize(): number {
    return 1;
  }

  protected start(rng: () => number, shapes: number[][], eps: number): tf.Tensor[] {
    return tf.tidy(() => {
      const sizes = shapes.map((s) => s[1]);
      const joint = randomL1Ball(rng, [shapes[0][0], sizes.reduce((a, b) => a + b), 64], eps);
      return tf.split(tf.clipByValue(joint, -JPEG_L1_BOX, JPEG_L1_BOX), sizes, 1);
    });
  }

  protected update(v: tf.Tensor[], g: tf.Tensor[], t: number, b: ResolvedBudget): tf.Tensor[] {
    const sizes = v.map((p) => p.shape[1] as number);
    const vertex = l1Vertices(tf.concat(g, 1), () => JPEG_L1_BOX, b.eps);
    return tf.split(frankWolfeStep(tf.concat(v, 1), vertex, t), sizes, 1);
  }

  protected feasible(v: tf.Tensor[]): tf.Tensor[] {
    return v.map((p) => tf.clipByValue(p, -JPEG_L1_BOX, JPEG_L1_BOX));
  }

  protected override measure(
    _x: tf.Tensor4D,
    _xAdv: tf.Tensor4D,
    params: tf.Tensor[],
  ): tf.Tensor1D {
    return tf.tidy(() => tf.addN(params.map((p) => tf.sum(tf.abs(p), [1, 2]))) as tf.Tensor1D);
  }
}
