/**
 * The differentiable transforms under the unseen attacks, each against an independent
 * computation: JPEG round trips and the DCT, elastic warps (identity, translation, finite
 * differences), the fog map, the snow budget projection, the Frank-Wolfe vertex, and the presets'
 * budget scaling.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import {
  CHROMA_TABLE,
  JpegCodec,
  LUMA_TABLE,
  dctMatrix,
  jpegCoefficientCount,
  jpegLayout,
} from '../../src/main/engine/attacks/jpeg';
import {
  applyElastic,
  gaussianTaps,
  smoothFlow,
  warpBilinear,
} from '../../src/main/engine/attacks/elastic';
import { fixedConv2d, fixedDepthwise } from '../../src/main/engine/attacks/fixed-filters';
import { fogMap, fogMapSize, fogVariableShapes } from '../../src/main/engine/attacks/fog';
import {
  SNOW_BLOCK_BUDGET,
  projectSnowIntensities,
  snowKernels,
} from '../../src/main/engine/attacks/snow';
import { gaborKernel, normalizeGaborNoise } from '../../src/main/engine/attacks/gabor';
import { l1Vertex } from '../../src/main/engine/attacks/l1-frank-wolfe';
import { makeRng, uniformTensor } from '../../src/main/engine/attacks/parametric-attack';
import {
  UNSEEN_PRESETS,
  budgetScaleFactor,
  budgetScalingSentence,
  scalingNote,
  sweepBudgets,
} from '../../src/main/engine/attacks/unseen-presets';
import { configureAttack } from '../../src/main/engine/attacks/registry';
import { BUILTIN_SUITES, resolveSuite } from '../../src/main/engine/audit/suites';
import { gratings } from './attacks-unseen-fixture';

beforeAll(async () => {
  await initBackend();
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('JPEG transform', () => {
  it('reproduces a one-channel image exactly with zero perturbation (no rounding)', () => {
    const { x, y } = gratings(3, 13, 21, 1, 2);
    const codec = new JpegCodec(jpegLayout(13, 21, 1));
    const coeffs = codec.encode(x);
    const back = codec.decode(coeffs);
    expect(back.shape).toEqual(x.shape);
    expect(maxAbsDiff(back, x)).toBeLessThan(1e-5);
    tf.dispose([x, y, back, ...coeffs]);
    codec.dispose();
  });

  it('reproduces a colour image up to the 4:2:0 chroma round trip, computed independently', () => {
    const [n, h, w] = [2, 12, 20];
    const { x, y } = gratings(n, h, w, 3, 4);
    const codec = new JpegCodec(jpegLayout(h, w, 3));
    const coeffs = codec.encode(x);
    const back = codec.decode(coeffs);
    // Reference: JFIF YCbCr per pixel, chroma averaged over 2×2 cells of the edge-padded image,
    // RGB rebuilt from each pixel's own Y and its cell's chroma.
    const px = x.arraySync() as number[][][][];
    const { paddedHeight: ph, paddedWidth: pw } = codec.layout;
    const want = new Float32Array(n * h * w * 3);
    for (let s = 0; s < n; s++) {
      const at = (i: number, j: number) =>
        px[s][Math.min(i, h - 1)][Math.min(j, w - 1)].map((v) => v * 255);
      const ycc = (i: number, j: number) => {
        const [r, g, b] = at(i, j);
        return [
          0.299 * r + 0.587 * g + 0.114 * b,
          -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
          0.5 * r - 0.418688 * g - 0.081312 * b + 128,
        ];
      };
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const ci = i - (i % 2);
          const cj = j - (j % 2);
          expect(ci + 1 < ph && cj + 1 < pw).toBe(true);
          const cell = [ycc(ci, cj), ycc(ci + 1, cj), ycc(ci, cj + 1), ycc(ci + 1, cj + 1)];
          const cb = cell.reduce((a, c) => a + c[1], 0) / 4 - 128;
          const cr = cell.reduce((a, c) => a + c[2], 0) / 4 - 128;
          const yy = ycc(i, j)[0];
          const rgb = [yy + 1.402 * cr, yy - 0.344136 * cb - 0.714136 * cr, yy + 1.772 * cb];
          rgb.forEach(
            (v, c) => (want[((s * h + i) * w + j) * 3 + c] = Math.min(255, Math.max(0, v)) / 255),
          );
        }
      }
    }
    const expected = tf.tensor4d(want, [n, h, w, 3]);
    expect(maxAbsDiff(back, expected)).toBeLessThan(1e-4);
    // Chroma subsampling really loses something on this noisy colour image.
    expect(maxAbsDiff(back, x)).toBeGreaterThan(1e-3);
    tf.dispose([x, y, back, expected, ...coeffs]);
    codec.dispose();
  });

  it('uses an orthonormal DCT whose DC coefficient of a constant block is 8× its value', () => {
    const d = tf.tensor2d(dctMatrix(), [64, 64]);
    expect(maxAbsDiff(tf.matMul(d, d, false, true), tf.eye(64))).toBeLessThan(1e-5);
    const block = tf.fill([1, 64], 3);
    expect(tf.matMul(block, d).dataSync()[0]).toBeCloseTo(24, 4);
    expect(LUMA_TABLE).toHaveLength(64);
    expect(CHROMA_TABLE[0]).toBe(17);
    d.dispose();
  });

  it('moves one block by q/8/255 per pixel for one DC step, and counts its coefficients', () => {
    const x = tf.fill([1, 16, 16, 1], 0.5) as tf.Tensor4D;
    const codec = new JpegCodec(jpegLayout(16, 16, 1));
    const [q] = codec.encode(x);
    const v = tf.tensor3d([1, ...new Array(4 * 64 - 1).fill(0)], [1, 4, 64]);
    const moved = codec.decode([tf.add(q, v)]);
    const d = tf.sub(moved, x).arraySync() as number[][][][];
    expect(d[0][3][3][0]).toBeCloseTo(LUMA_TABLE[0] / 8 / 255, 5);
    expect(d[0][3][11][0]).toBeCloseTo(0, 6);
    expect(jpegCoefficientCount(jpegLayout(16, 16, 3))).toBe((4 + 1 + 1) * 64);
    tf.dispose([x, q, v, moved]);
    codec.dispose();
  });
});

describe('elastic transform', () => {
  it('is the identity with zero flow', () => {
    const { x, y } = gratings(2, 9, 14, 3, 1);
    const out = applyElastic(x, tf.zeros([2, 9, 14, 2]) as tf.Tensor4D);
    expect(maxAbsDiff(out, x)).toBe(0);
    tf.dispose([x, y, out]);
  });

  it('translates by a constant integer flow, with zeros outside the image', () => {
    const x = tf.tensor4d(
      Array.from({ length: 20 }, (_, i) => i / 20),
      [1, 4, 5, 1],
    );
    const flow = tf.stack([tf.fill([1, 4, 5], 1), tf.zeros([1, 4, 5])], 3) as tf.Tensor4D;
    // A constant flow stays constant through the smoothing (reflect padding, normalised kernel).
    expect(maxAbsDiff(smoothFlow(flow), flow)).toBeLessThan(1e-6);
    const out = warpBilinear(x, flow).arraySync() as number[][][][];
    const src = x.arraySync() as number[][][][];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        expect(out[0][i][j][0]).toBeCloseTo(j + 1 < 5 ? src[0][i][j + 1][0] : 0, 6);
      }
    }
    tf.dispose([x, flow]);
  });

  it('has the flow gradient of finite differences', () => {
    const rng = makeRng(5);
    const x = uniformTensor(rng, [1, 6, 6, 1]) as tf.Tensor4D;
    const wts = uniformTensor(rng, [1, 6, 6, 1]);
    const flow = uniformTensor(rng, [1, 6, 6, 2], -0.4, 0.4) as tf.Tensor4D;
    const f = (fl: tf.Tensor) => tf.sum(tf.mul(warpBilinear(x, fl as tf.Tensor4D), wts));
    const g = tf.grad(f)(flow).dataSync();
    const base = flow.dataSync();
    const h = 1e-3;
    for (const k of [0, 7, 15, 30, 41, 70]) {
      const plus = base.slice();
      const minus = base.slice();
      plus[k] += h;
      minus[k] -= h;
      const fd =
        (f(tf.tensor(plus, flow.shape)).dataSync()[0] -
          f(tf.tensor(minus, flow.shape)).dataSync()[0]) /
        (2 * h);
      expect(g[k]).toBeCloseTo(fd, 2);
    }
    tf.dispose([x, wts, flow]);
  });
});

describe('fixed-filter convolutions', () => {
  it('have the input gradient of tfjs conv2d and of per-channel conv2d', () => {
    const rng = makeRng(21);
    const x = uniformTensor(rng, [2, 7, 9, 3]) as tf.Tensor4D;
    const w = uniformTensor(rng, [5, 3, 3, 4], -1, 1) as tf.Tensor4D;
    const wts = uniformTensor(rng, [2, 7, 9, 4]);
    const conv = fixedConv2d(w);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(conv.apply(t as tf.Tensor4D), wts));
    const g = (t: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(t as tf.Tensor4D, w, 1, 'same'), wts));
    expect(maxAbsDiff(conv.apply(x), tf.conv2d(x, w, 1, 'same'))).toBeLessThan(1e-5);
    expect(maxAbsDiff(tf.grad(f)(x), tf.grad(g)(x))).toBeLessThan(1e-4);

    const dw = uniformTensor(rng, [5, 3, 3, 1], -1, 1) as tf.Tensor4D;
    const depth = fixedDepthwise(dw);
    const wts3 = uniformTensor(rng, [2, 7, 9, 3]);
    const fd = (t: tf.Tensor) => tf.sum(tf.mul(depth.apply(t as tf.Tensor4D), wts3));
    // Independent: each channel through conv2d with its own [5,3,1,1] filter.
    const perChannel = (t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.concat(
            tf
              .split(t, 3, 3)
              .map((c, k) =>
                tf.conv2d(
                  c as tf.Tensor4D,
                  tf.slice(dw, [0, 0, k, 0], [-1, -1, 1, 1]) as tf.Tensor4D,
                  1,
                  'same',
                ),
              ),
            3,
          ),
          wts3,
        ),
      );
    expect(Math.abs(fd(x).dataSync()[0] - perChannel(x).dataSync()[0])).toBeLessThan(1e-4);
    expect(maxAbsDiff(tf.grad(fd)(x), tf.grad(perChannel)(x))).toBeLessThan(1e-4);
    tf.dispose([x, w, wts, dw, wts3, ...conv.tensors, ...depth.tensors]);
  });

  it('smooth a flow like reflect padding followed by the 25×25 Gaussian', () => {
    const rng = makeRng(4);
    const flow = uniformTensor(rng, [2, 16, 14, 2], -1, 1) as tf.Tensor4D;
    const taps = gaussianTaps(12, 3);
    const k2 = new Float32Array(25 * 25);
    for (let i = 0; i < 25; i++) for (let j = 0; j < 25; j++) k2[i * 25 + j] = taps[i] * taps[j];
    const padded = tf.mirrorPad(
      flow,
      [
        [0, 0],
        [12, 12],
        [12, 12],
        [0, 0],
      ],
      'reflect',
    );
    const kernel = tf.tensor4d(k2, [25, 25, 1, 1]);
    const want = tf.concat(
      tf.split(padded, 2, 3).map((c) => tf.conv2d(c as tf.Tensor4D, kernel, 1, 'valid')),
      3,
    );
    expect(maxAbsDiff(smoothFlow(flow), want)).toBeLessThan(1e-5);
    tf.dispose([flow, padded, kernel, want]);
  });
});

describe('fog map', () => {
  it('sizes the map to the next power of two and normalises it to [0,1] per image', () => {
    expect(fogMapSize(28, 28)).toBe(32);
    expect(fogMapSize(16, 16)).toBe(16);
    expect(fogMapSize(12, 20)).toBe(32);
    const shapes = fogVariableShapes(2, 16);
    expect(shapes).toHaveLength(12);
    expect(shapes[11]).toEqual([2, 8, 8]);
    const rng = makeRng(2);
    const vars = shapes.map((s) => uniformTensor(rng, s));
    const map = fogMap(vars, 16);
    expect(map.shape).toEqual([2, 16, 16]);
    const lo = tf.min(map, [1, 2]).arraySync() as number[];
    const hi = tf.max(map, [1, 2]).arraySync() as number[];
    lo.forEach((v) => expect(v).toBeCloseTo(0, 6));
    hi.forEach((v) => expect(v).toBeCloseTo(1, 5));
    // Differentiable in the variables of the finest level (the ones that set single pixels).
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(fogMap([...vars.slice(0, 11), v], 16))))(
      vars[11],
    );
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
    tf.dispose([...vars, map, g]);
  });
});

describe('snow', () => {
  it('keeps intensities in (0, 1] and every 8×8 block mean at most 0.2', () => {
    const rng = makeRng(9);
    const raw = uniformTensor(rng, [2, 10, 12, 7], -0.2, 1.3) as tf.Tensor4D;
    const p = projectSnowIntensities(raw).arraySync() as number[][][][];
    const r = tf.clipByValue(raw, 1e-9, 1).arraySync() as number[][][][];
    for (let s = 0; s < 2; s++) {
      for (let ch = 0; ch < 7; ch++) {
        for (let bi = 0; bi < 10; bi += 8) {
          for (let bj = 0; bj < 12; bj += 8) {
            let sum = 0;
            let rawSum = 0;
            let count = 0;
            for (let i = bi; i < Math.min(bi + 8, 10); i++) {
              for (let j = bj; j < Math.min(bj + 8, 12); j++) {
                // Clamped to [1e-9, 1] first, then scaled down: positive, at most 1.
                expect(p[s][i][j][ch]).toBeGreaterThan(0);
                expect(p[s][i][j][ch]).toBeLessThanOrEqual(1);
                sum += p[s][i][j][ch];
                rawSum += r[s][i][j][ch];
                count++;
              }
            }
            expect(sum / count).toBeCloseTo(Math.min(rawSum / count, SNOW_BLOCK_BUDGET), 5);
          }
        }
      }
    }
    raw.dispose();
  });

  it('draws seven non-negative 13×13 flake kernels', () => {
    const k = snowKernels(makeRng(3));
    expect(k.shape).toEqual([13, 13, 7, 1]);
    expect(tf.min(k).dataSync()[0]).toBeGreaterThanOrEqual(0);
    const perKernel = tf.sum(k, [0, 1, 3]).arraySync() as number[];
    perKernel.forEach((m) => expect(m).toBeGreaterThan(1));
    k.dispose();
  });
});

describe('gabor', () => {
  it('normalises noise to [0,1] and builds symmetric kernels', () => {
    const k = gaborKernel({ sides: 2, sigma: 0.3, wavelength: 4, theta: 0.3 });
    // Point symmetry: the kernel is a sum of cosines of rotated coordinates.
    for (let i = 0; i < 23 * 23; i++) expect(k[i]).toBeCloseTo(k[23 * 23 - 1 - i], 5);
    const noise = uniformTensor(makeRng(1), [2, 8, 8, 1], -3, 5) as tf.Tensor4D;
    const n = normalizeGaborNoise(noise);
    expect(tf.min(n).dataSync()[0]).toBeCloseTo(0, 5);
    expect(tf.max(n).dataSync()[0]).toBeCloseTo(1, 5);
    tf.dispose([noise, n]);
  });
});

describe('Frank-Wolfe vertex', () => {
  it('matches a greedy linear scan and spends the whole budget', () => {
    const rng = makeRng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30;
      const g = Array.from({ length: n }, () => rng() - 0.5);
      const up = Array.from({ length: n }, () => rng());
      const room = (i: number, pos: boolean) => (pos ? up[i] : 1 - up[i]);
      const budget = 5 * rng();
      const s = l1Vertex(g, room, budget);
      // Independent greedy: walk coordinates by |g| and fill each until the budget runs out.
      const order = g.map((_, i) => i).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
      const want = new Array<number>(n).fill(0);
      let left = budget;
      for (const i of order) {
        const take = Math.min(room(i, g[i] > 0), left);
        want[i] = Math.sign(g[i]) * take;
        left -= take;
      }
      for (let i = 0; i < n; i++) expect(s[i]).toBeCloseTo(want[i], 5);
      const total = Array.from(s).reduce((a, v) => a + Math.abs(v), 0);
      const roomTotal = g.reduce((a, gi, i) => a + room(i, gi > 0), 0);
      expect(total).toBeCloseTo(Math.min(budget, roomTotal), 4);
    }
  });
});

describe('unseen presets', () => {
  it('give six increasing calibrated strengths per attack, in product units', () => {
    for (const p of UNSEEN_PRESETS) {
      const sweep = sweepBudgets(p.id, [28, 28, 1]);
      expect(sweep).toHaveLength(6);
      for (let i = 1; i < 6; i++) expect(sweep[i].eps).toBeGreaterThan(sweep[i - 1].eps);
      expect(p.budgetFor([28, 28, 1]).steps).toBe(p.steps);
    }
    const fog = configureAttack('fog', [28, 28, 1]);
    expect(fog.attack.id).toBe('fog');
    expect(fog.budget.eps).toBeCloseTo(128 / 255, 10);
  });

  it('scale totals with the pixel count: L1 linearly, L2 by the square root', () => {
    const ref = [256, 256, 3];
    const small = [28, 28, 1];
    const l1 = UNSEEN_PRESETS.find((p) => p.id === 'l1')!;
    const l2 = UNSEEN_PRESETS.find((p) => p.id === 'l2')!;
    const jpeg = UNSEEN_PRESETS.find((p) => p.id === 'jpeg')!;
    // At the reference size L1 is 0.508/255 per value times the number of values.
    expect(l1.budgetFor(ref).eps).toBeCloseTo((0.508211 / 255) * 256 * 256 * 3, 6);
    expect(l1.budgetFor(small).eps).toBeCloseTo((0.508211 / 255) * 784, 6);
    expect(jpeg.budgetFor(small).eps).toBeCloseTo((1024 * 784) / 196608, 6);
    expect(l2.budgetFor(small).eps).toBeCloseTo((600 / 255) * Math.sqrt(784 / 196608), 6);
    expect(budgetScaleFactor('none', small)).toBe(1);
    expect(scalingNote('l1', small)).toContain(`N/N_ref = ${(784 / 196608).toPrecision(3)}`);
    expect(scalingNote('l2', small)).toContain('√(N/N_ref)');
    expect(scalingNote('fog', small)).toBeUndefined();
    const sentence = budgetScalingSentence(small);
    expect(sentence).toContain('28×28×1');
    expect(sentence).toContain(budgetScaleFactor('linear', small).toPrecision(3));
  });

  it('fill the paper suite with the unseen columns and define the reliable suite', () => {
    const paper = resolveSuite(BUILTIN_SUITES.paper, [28, 28, 1]);
    expect(paper.attacks.map((a) => a.key)).toEqual([
      'FGSM',
      'FGSM-RS',
      'PGD-50',
      'MIA-50',
      'OM-PGD-50',
      'Fog',
      'Snow',
      'Elastic',
      'Gabor',
      'JPEG',
      'L2',
      'L1',
    ]);
    const l1 = paper.attacks.find((a) => a.key === 'L1')!;
    expect(l1.info.budget.scaling).toBe(scalingNote('l1', [28, 28, 1]));
    const reliable = resolveSuite(BUILTIN_SUITES.reliable, [28, 28, 1]);
    // Each attack, then its convergence check's stronger setting (tests/unit/convergence.test.ts).
    expect(reliable.attacks.map((a) => a.attack.id)).toEqual([
      'apgd-ce',
      'apgd-ce',
      'apgd-dlr',
      'apgd-dlr',
      'pgd-linf',
      'pgd-linf',
      'mia',
      'mia',
    ]);
    expect(paper.attacks.find((a) => a.key === 'Gabor')!.options.support ?? 'complement').toBe(
      'complement',
    );
    expect(reliable.attacks.every((a) => Math.abs(a.budget.eps - 4 / 255) < 1e-12)).toBe(true);
  });
});
