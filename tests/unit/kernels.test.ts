/**
 * The engine's wasm kernels against the pure-JS cpu backend: the same gradients, from the same
 * inputs, computed with tf.grad under each backend, must agree within 1e-4 relative (to the
 * largest magnitude of the reference). Each case names its geometry in the test name.
 *
 * Dilations: tfjs refuses gradients of dilated convolutions on every backend ("dilation rates
 * greater than 1 are not yet supported in gradients"), and the backprop kernels carry no
 * dilation attribute, so there is no dilated case to run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/main/engine/runtime/backend';
import {
  engineKernels,
  gradientOverrides,
  wasmKernels,
} from '../../src/main/engine/runtime/kernels/index';
import {
  lazyFusedConv2dActive,
  stockFusedConv2d,
  useLazyFusedConv2d,
} from '../../src/main/engine/runtime/kernels/lazy-fused-conv2d';
import { benchCnn } from '../../src/main/engine/models/architectures';
import { conv2DBackpropFilterByConv } from '../../src/main/engine/runtime/kernels/conv2d-backprop-filter';
import { filterGradKernel } from '../../src/main/engine/runtime/kernels/simd/filter-grad-module';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** tfjs's own FusedBatchNorm gradient, captured before the engine replaces it. */
const stockBatchNormGrad = tf.getGradient('FusedBatchNorm')!;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomArray(n: number, seed: number): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, r);
}

type Arrays = { data: Float32Array; shape: number[] }[];

/** Run `f` on tensors made from `inputs` under `backend`, returning every output as arrays. */
async function under(
  backend: 'cpu' | 'wasm',
  inputs: Arrays,
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  await useBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
    return f(...xs).map((t) => t.dataSync() as Float32Array);
  });
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(Number.isFinite(worst)).toBe(true);
  expect(worst / Math.max(scale, 1e-12)).toBeLessThanOrEqual(tol);
}

async function compareBackends(inputs: Arrays, f: (...xs: tf.Tensor[]) => tf.Tensor[]) {
  const ref = await under('cpu', inputs, f);
  const got = await under('wasm', inputs, f);
  ref.forEach((r, i) => expectClose(got[i], r));
}

type Pad =
  'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  cOut: number;
  stride: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const cIn of [1, 3, 8]) {
      convCases.push({
        name: `x 2×7×9×${cIn}, k 3×3, c_out 8, stride ${stride}, pad ${pad}`,
        x: [2, 7, 9, cIn],
        k: [3, 3],
        cOut: 8,
        stride,
        pad,
      });
    }
  }
}
convCases.push(
  {
    // A ResNet stem after its explicit padding: the strided input gradient runs by phases.
    name: 'x 2×22×22×3, k 7×7, c_out 4, stride 2, pad valid (ResNet stem)',
    x: [2, 22, 22, 3],
    k: [7, 7],
    cOut: 4,
    stride: 2,
    pad: 'valid',
  },
  {
    name: 'x 2×4×4×5, k 3×3, c_out 6, stride 2, pad valid (input smaller than a phase grid)',
    x: [2, 4, 4, 5],
    k: [3, 3],
    cOut: 6,
    stride: 2,
    pad: 'valid',
  },
  {
    name: 'x 3×11×6×3, k 5×2, c_out 1, stride [2,3], pad same',
    x: [3, 11, 6, 3],
    k: [5, 2],
    cOut: 1,
    stride: [2, 3],
    pad: 'same',
  },
  {
    name: 'x 1×6×6×8, k 1×1, c_out 3, stride 2, pad valid',
    x: [1, 6, 6, 8],
    k: [1, 1],
    cOut: 3,
    stride: 2,
    pad: 'valid',
  },
  {
    name: 'x 2×5×5×3, k 4×4, c_out 8, stride 1, pad valid (filter near input size)',
    x: [2, 5, 5, 3],
    k: [4, 4],
    cOut: 8,
    stride: 1,
    pad: 'valid',
  },
  {
    name: 'x 2×9×8×3, k 3×3, c_out 8, stride 3, pad valid (unused trailing rows)',
    x: [2, 9, 8, 3],
    k: [3, 3],
    cOut: 8,
    stride: 3,
    pad: 'valid',
  },
  {
    name: 'x 2×7×9×3, k 3×3, c_out 8, stride 1, pad explicit [1,2]×[0,3]',
    x: [2, 7, 9, 3],
    k: [3, 3],
    cOut: 8,
    stride: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  // The SIMD filter gradient works in 4×8 tiles of dW: these reach its 4-wide and 1-wide tails.
  {
    name: 'x 2×6×7×5, k 3×3, c_out 13, stride 1, pad same (every tile tail)',
    x: [2, 6, 7, 5],
    k: [3, 3],
    cOut: 13,
    stride: 1,
    pad: 'same',
  },
  {
    name: 'x 3×8×8×4, k 3×3, c_out 12, stride 2, pad same',
    x: [3, 8, 8, 4],
    k: [3, 3],
    cOut: 12,
    stride: 2,
    pad: 'same',
  },
  {
    name: 'x 2×7×9×3, k 3×3, c_out 8, stride 2, pad explicit [4,4]×[3,1] (larger than the filter)',
    x: [2, 7, 9, 3],
    k: [3, 3],
    cOut: 8,
    stride: 2,
    pad: [
      [0, 0],
      [4, 4],
      [3, 1],
      [0, 0],
    ],
  },
);

describe('wasm kernels registered by the engine', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('replaces or adds every listed kernel on wasm', () => {
    for (const { kernelName } of wasmKernels) {
      const ours = engineKernels.get(kernelName);
      expect(ours, kernelName).toBeDefined();
      expect(tf.getKernel(kernelName, 'wasm')?.kernelFunc).toBe(ours?.kernelFunc);
    }
    for (const g of gradientOverrides) expect(tf.getGradient(g.kernelName)).toBe(g);
  });
});

describe('conv2d gradients (Conv2DBackpropInput, Conv2DBackpropFilter) match cpu', () => {
  for (const c of convCases) {
    it(c.name, async () => {
      const w: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cOut];
      const probe = await under('cpu', [], () => [
        tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(w) as tf.Tensor4D, c.stride, c.pad),
      ]);
      const outSize = probe[0].length;
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(c.x), 1), shape: c.x },
        { data: randomArray(tf.util.sizeFromShape(w), 2), shape: w },
        { data: randomArray(outSize, 3), shape: [outSize] },
      ];
      await compareBackends(inputs, (x, f, weights) => {
        // A weighted sum of the outputs makes dy non-uniform, so every tap is exercised.
        const loss = (xx: tf.Tensor, ff: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.reshape(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad), [-1]),
              weights,
            ),
          );
        const [dx, dw] = tf.grads(loss)([x, f]);
        return [dx, dw];
      });
    });
  }
});

describe("DepthwiseConv2dNative gradients (the engine's, from forward ops) match per-channel conv2d gradients on cpu", () => {
  const cases: {
    name: string;
    x: [number, number, number, number];
    k: number;
    m: number;
    stride: number;
    pad: 'same' | 'valid';
  }[] = [
    {
      name: '3×3 same, stride 1, multiplier 1',
      x: [2, 9, 9, 3],
      k: 3,
      m: 1,
      stride: 1,
      pad: 'same',
    },
    {
      name: '3×3 same, stride 2, multiplier 2',
      x: [2, 10, 10, 4],
      k: 3,
      m: 2,
      stride: 2,
      pad: 'same',
    },
    {
      name: '5×5 valid, stride 2, multiplier 1',
      x: [1, 11, 11, 2],
      k: 5,
      m: 1,
      stride: 2,
      pad: 'valid',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const ch = c.x[3];
      const wShape: [number, number, number, number] = [c.k, c.k, ch, c.m];
      const probe = await under('cpu', [], () => [
        tf.depthwiseConv2d(
          tf.zeros(c.x) as tf.Tensor4D,
          tf.zeros(wShape) as tf.Tensor4D,
          c.stride,
          c.pad,
        ),
      ]);
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(c.x), 4), shape: c.x },
        { data: randomArray(tf.util.sizeFromShape(wShape), 5), shape: wShape },
        { data: randomArray(probe[0].length, 6), shape: [probe[0].length] },
      ];
      const weighted = (y: tf.Tensor, weights: tf.Tensor) =>
        tf.sum(tf.mul(tf.reshape(y, [-1]), weights));
      // Reference: one ordinary convolution per channel, differentiated by tfjs's own cpu kernels.
      const ref = await under('cpu', inputs, (x, f, weights) =>
        tf.grads((xx: tf.Tensor, ff: tf.Tensor) => {
          const xs = tf.split(xx, ch, 3);
          const fs = tf.split(ff, ch, 2);
          const ys = xs.map((xc, i) =>
            tf.conv2d(xc as tf.Tensor4D, fs[i] as tf.Tensor4D, c.stride, c.pad),
          );
          return weighted(tf.concat(ys, 3), weights);
        })([x, f]),
      );
      const got = await under('wasm', inputs, (x, f, weights) =>
        tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
          weighted(
            tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad),
            weights,
          ),
        )([x, f]),
      );
      ref.forEach((r, i) => expectClose(got[i], r));
    });
  }
});

describe('Conv2D and FusedConv2D (SIMD kernel, or the stock one where it does not apply) match cpu', () => {
  const cases = [
    ...convCases.map((c) => ({ ...c, activation: 'linear' as const, bias: false })),
    // Bias and ReLU in the kernel; 4-wide and 1-wide tails of the output channels and of a row.
    {
      ...convCases[0],
      name: 'x 2×6×7×5, c_out 13, bias, relu',
      x: [2, 6, 7, 5] as const,
      cOut: 13,
      activation: 'relu' as const,
      bias: true,
    },
    {
      ...convCases[0],
      name: 'x 3×9×10×4, c_out 12, stride 2, bias, linear',
      x: [3, 9, 10, 4] as const,
      cOut: 12,
      stride: 2,
      activation: 'linear' as const,
      bias: true,
    },
    // One output channel with long patch rows: the dot-product path (vector and scalar parts).
    {
      ...convCases[0],
      name: 'x 2×12×11×7, k 5×5, c_out 1, bias, relu (one channel)',
      x: [2, 12, 11, 7] as const,
      k: [5, 5] as [number, number],
      cOut: 1,
      activation: 'relu' as const,
      bias: true,
    },
    {
      ...convCases[0],
      name: 'x 3×9×10×4, k 3×3, c_out 1, stride 2 (one channel)',
      x: [3, 9, 10, 4] as const,
      cOut: 1,
      stride: 2,
      activation: 'linear' as const,
      bias: false,
    },
    // Not covered by the SIMD kernel: the backend's own.
    {
      ...convCases[0],
      name: 'x 2×6×7×5, c_out 8, bias, elu (stock kernel)',
      x: [2, 6, 7, 5] as const,
      cOut: 8,
      activation: 'elu' as const,
      bias: true,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const w = [c.k[0], c.k[1], c.x[3], c.cOut];
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape([...c.x]), 21), shape: [...c.x] },
        { data: randomArray(tf.util.sizeFromShape(w), 22), shape: w },
        { data: randomArray(c.cOut, 23), shape: [c.cOut] },
      ];
      await compareBackends(inputs, (x, f, b) => [
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: f as tf.Tensor4D,
          strides: c.stride,
          pad: c.pad,
          bias: c.bias ? b : undefined,
          activation: c.activation,
        }),
      ]);
    });
  }
});

describe('DepthwiseConv2dNative (SIMD for filters above 5×5, else the stock kernel) matches cpu', () => {
  const cases = [
    { x: [2, 32, 32, 8], k: 23, stride: 1, pad: 'same' as const, what: 'the Gabor attack' },
    { x: [1, 11, 13, 5], k: 7, stride: 2, pad: 'valid' as const, what: 'stride 2, tails' },
    { x: [2, 9, 10, 6], k: 6, stride: 1, pad: 'same' as const, what: 'even filter' },
    { x: [2, 9, 10, 6], k: 3, stride: 1, pad: 'same' as const, what: 'stock kernel' },
  ];
  for (const c of cases) {
    it(`x ${c.x.join('×')}, k ${c.k}×${c.k}, stride ${c.stride}, pad ${c.pad} (${c.what})`, async () => {
      const w = [c.k, c.k, c.x[3], 1];
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(c.x), 61), shape: c.x },
        { data: randomArray(tf.util.sizeFromShape(w), 62), shape: w },
      ];
      await compareBackends(inputs, (x, f) => [
        tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
      ]);
    });
  }
});

describe('Conv2DBackpropFilter: the SIMD kernel and its XNNPACK fallback', () => {
  it('runs the SIMD kernel in the wasm backend memory', async () => {
    await useBackend('wasm');
    expect(filterGradKernel(tf.backend() as BackendWasm)).toBeDefined();
  });

  // The fallback runs where the backend's memory cannot be reached: it must agree too.
  for (const c of convCases.filter(
    (cc) => cc.name.includes('tail') || cc.name.includes('explicit'),
  )) {
    it(`fallback: ${c.name}`, async () => {
      const w: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cOut];
      const probe = await under('cpu', [], () => [
        tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(w) as tf.Tensor4D, c.stride, c.pad),
      ]);
      const dyShape = tf.tidy(() => {
        const y = tf.conv2d(
          tf.zeros(c.x) as tf.Tensor4D,
          tf.zeros(w) as tf.Tensor4D,
          c.stride,
          c.pad,
        );
        return y.shape;
      });
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(c.x), 11), shape: c.x },
        { data: randomArray(probe[0].length, 12), shape: dyShape },
      ];
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: w };
      const ref = await under('cpu', inputs, (x, dy) => [
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor,
      ]);
      const got = await under('wasm', inputs, (x, dy) => [
        conv2DBackpropFilterByConv(x as tf.Tensor4D, dy as tf.Tensor4D, attrs as never),
      ]);
      expectClose(got[0], ref[0]);
    });
  }
});

describe("batch-norm gradient (engine override on wasm) matches tfjs's own on cpu", () => {
  const cases = [
    { name: 'inference statistics, x 2×5×3×8', shape: [2, 5, 3, 8], train: false },
    { name: 'training statistics (moments of x), x 4×3×5×3', shape: [4, 3, 5, 3], train: true },
    { name: 'training statistics, x 3×7×1', shape: [3, 7, 1, 1], train: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const ch = c.shape[3];
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(c.shape), 4), shape: c.shape },
        { data: randomArray(ch, 5), shape: [ch] },
        { data: randomArray(ch, 6).map((v) => v + 1), shape: [ch] },
        { data: randomArray(ch, 7), shape: [ch] },
        { data: randomArray(ch, 8).map((v) => v + 1), shape: [ch] },
        { data: randomArray(tf.util.sizeFromShape(c.shape), 9), shape: c.shape },
      ];
      const f = (
        x: tf.Tensor,
        offset: tf.Tensor,
        scale: tf.Tensor,
        mean: tf.Tensor,
        variance: tf.Tensor,
        wts: tf.Tensor,
      ) => {
        const loss = (xx: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) => {
          const stats = c.train ? tf.moments(xx, [0, 1, 2]) : { mean, variance };
          const y = tf.batchNorm(xx, stats.mean, stats.variance, off, sc, 1e-3);
          return tf.sum(tf.mul(y, wts));
        };
        return tf.grads(loss)([x, offset, scale]);
      };
      const ours = tf.getGradient('FusedBatchNorm')!;
      tf.registerGradient(stockBatchNormGrad);
      const ref = await under('cpu', inputs, f);
      tf.registerGradient(ours);
      const got = await under('wasm', inputs, f);
      ref.forEach((r, i) => expectClose(got[i], r));
    });
  }
});

describe("tf.fused.conv2d with lazy gradients matches tfjs's own fused op on cpu", () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  const cases = [
    ...activations.map((activation) => ({
      activation,
      bias: true,
      stride: 1,
      pad: 'same' as const,
    })),
    { activation: 'linear' as const, bias: false, stride: 2, pad: 'valid' as const },
    { activation: 'relu' as const, bias: true, stride: 2, pad: 'valid' as const },
    // A scalar bias cannot go into the kernel: added as a separate op.
    { activation: 'elu' as const, bias: true, scalarBias: true, stride: 1, pad: 'same' as const },
  ];
  for (const c of cases) {
    const biasName = 'scalarBias' in c ? 'scalar bias' : c.bias ? 'bias' : 'no bias';
    const name = `${c.activation}, ${biasName}, stride ${c.stride}, pad ${c.pad}`;
    it(`${name}: gradients in input, filter, bias (and PReLU weights)`, async () => {
      const xShape = [2, 7, 6, 3];
      const wShape = [3, 3, 3, 5];
      const inputs: Arrays = [
        { data: randomArray(tf.util.sizeFromShape(xShape), 21), shape: xShape },
        { data: randomArray(tf.util.sizeFromShape(wShape), 22), shape: wShape },
        { data: randomArray(5, 23), shape: [5] },
        { data: randomArray(5, 24).map((v) => v + 0.5), shape: [5] },
        { data: randomArray(2 * 7 * 6 * 5, 25), shape: [2 * 7 * 6 * 5] },
      ];
      const run =
        (op: typeof stockFusedConv2d) =>
        (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, alpha: tf.Tensor, wts: tf.Tensor) => {
          // Differentiate in every input the op uses: x, filter, then bias and PReLU weights.
          const wrt = [x, w, ...(c.bias ? [b] : []), ...(c.activation === 'prelu' ? [alpha] : [])];
          const loss = (...v: tf.Tensor[]) => {
            const y = op({
              x: v[0] as tf.Tensor4D,
              filter: v[1] as tf.Tensor4D,
              strides: c.stride,
              pad: c.pad,
              bias: 'scalarBias' in c ? tf.sum(v[2]) : c.bias ? v[2] : undefined,
              activation: c.activation,
              leakyreluAlpha: 0.15,
              preluActivationWeights: c.activation === 'prelu' ? v[v.length - 1] : undefined,
            });
            // Weights for a non-uniform dy: as many as the output has (stride 2 uses a prefix).
            const flat = tf.reshape(y, [-1]);
            return tf.sum(tf.mul(flat, tf.slice(wts, 0, flat.size)));
          };
          return tf.grads(loss)(wrt);
        };
      const ref = await under('cpu', inputs, run(stockFusedConv2d));
      const got = await under(
        'wasm',
        inputs,
        run((args) => tf.fused.conv2d(args)),
      );
      expect(lazyFusedConv2dActive()).toBe(true);
      ref.forEach((r, i) => expectClose(got[i], r));
    });
  }

  /** Kernel calls of one training step and one input gradient of a two-convolution model. */
  async function countKernels(): Promise<{
    train: Map<string, number>;
    attack: Map<string, number>;
  }> {
    await useBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.reLU(),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const x = tf.randomUniform([2, 6, 6, 3]);
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const lossOf = (xx: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(labels, model.apply(xx) as tf.Tensor) as tf.Scalar;
    const optimizer = tf.train.sgd(0.01);
    const count = async (f: () => void) => {
      const info = await tf.profile(f);
      const n = new Map<string, number>();
      for (const k of info.kernels) n.set(k.name, (n.get(k.name) ?? 0) + 1);
      return n;
    };
    const step = () => optimizer.minimize(() => lossOf(x), true)?.dispose();
    const attack = () => tf.dispose(tf.grad(lossOf)(x));
    const counts = { train: await count(step), attack: await count(attack) };
    step();
    attack();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      step();
      attack();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
    model.dispose();
    return counts;
  }

  it('a training step skips the first convolution’s input gradient; an attack skips every filter gradient', async () => {
    const lazy = await countKernels();
    expect(lazy.train.get('Conv2DBackpropInput')).toBe(1);
    expect(lazy.train.get('Conv2DBackpropFilter')).toBe(2);
    expect(lazy.attack.get('Conv2DBackpropInput')).toBe(2);
    expect(lazy.attack.get('Conv2DBackpropFilter')).toBeUndefined();
    // tfjs's own fused op computes both gradients of every convolution.
    useLazyFusedConv2d(false);
    try {
      const stock = await countKernels();
      expect(stock.train.get('Conv2DBackpropInput')).toBe(2);
      expect(stock.attack.get('Conv2DBackpropFilter')).toBe(2);
    } finally {
      useLazyFusedConv2d(true);
    }
  });
});

/**
 * Zeros, except: window (0,0) of channel 0 all −∞, window (0,1) of channel 0 one NaN next to
 * finite values, window (1,0) of channel 1 NaN and −∞ only (x 1×4×4×2).
 */
function specialValues(shape: number[]): tf.Tensor {
  const v = new Float32Array(tf.util.sizeFromShape(shape));
  const at = (h: number, w: number, c: number) => (h * shape[2] + w) * shape[3] + c;
  for (const [h, w] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ])
    v[at(h, w, 0)] = -Infinity;
  v[at(0, 2, 0)] = NaN;
  v[at(2, 0, 1)] = NaN;
  v[at(2, 1, 1)] = -Infinity;
  v[at(3, 0, 1)] = NaN;
  v[at(3, 1, 1)] = -Infinity;
  return tf.tensor(v, shape);
}

describe('stock wasm kernels on the training path (MaxPoolGrad, AvgPoolGrad, ReLU grad) match cpu', () => {
  const cases = [
    {
      name: 'max-pool 2×2 stride 2 valid, x 2×8×6×3',
      pool: 'max',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [2, 8, 6, 3],
    },
    {
      name: 'max-pool 3×3 stride 2 same, x 2×7×9×8 (overlapping windows)',
      pool: 'max',
      size: 3,
      stride: 2,
      pad: 'same',
      x: [2, 7, 9, 8],
    },
    {
      name: 'max-pool 2×2 stride 2 valid with ties (ReLU zeros), x 2×6×6×5',
      pool: 'max-relu',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [2, 6, 6, 5],
    },
    {
      name: 'max-pool 2×2 stride 2 valid with exact ties (values on a 0.25 grid), x 2×8×6×7',
      pool: 'max-ties',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [2, 8, 6, 7],
    },
    {
      name: 'max-pool 2×2 stride 2 valid, odd sizes (last row and column in no window), x 2×7×5×4',
      pool: 'max',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [2, 7, 5, 4],
    },
    {
      name: 'max-pool 2×2 stride 2 same, odd sizes (last window padded), x 2×7×5×4',
      pool: 'max',
      size: 2,
      stride: 2,
      pad: 'same',
      x: [2, 7, 5, 4],
    },
    {
      name: 'max-pool 2×2 stride 2 valid with −∞ and NaN (never the maximum), x 1×4×4×6',
      pool: 'max-special',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [1, 4, 4, 6],
    },
    {
      name: 'avg-pool 2×2 stride 2 valid, x 2×8×6×3',
      pool: 'avg',
      size: 2,
      stride: 2,
      pad: 'valid',
      x: [2, 8, 6, 3],
    },
    {
      name: 'avg-pool 3×3 stride 1 same, x 2×5×7×8',
      pool: 'avg',
      size: 3,
      stride: 1,
      pad: 'same',
      x: [2, 5, 7, 8],
    },
  ] as const;
  for (const c of cases) {
    it(c.name, async () => {
      const n = tf.util.sizeFromShape([...c.x]);
      const inputs: Arrays = [{ data: randomArray(n, 10), shape: [...c.x] }];
      await compareBackends(inputs, (x) => {
        const loss = (xx: tf.Tensor) => {
          const x4 = (
            c.pool === 'max-relu'
              ? tf.relu(xx)
              : c.pool === 'max-ties'
                ? tf.add(xx, tf.sub(tf.div(tf.round(tf.mul(xx, 4)), 4), xx))
                : c.pool === 'max-special'
                  ? tf.add(xx, specialValues(xx.shape))
                  : xx
          ) as tf.Tensor4D;
          const y =
            c.pool === 'avg'
              ? tf.avgPool(x4, c.size, c.stride, c.pad)
              : tf.maxPool(x4, c.size, c.stride, c.pad);
          return tf.sum(tf.mul(y, tf.range(1, y.size + 1).reshape(y.shape)));
        };
        return [tf.grad(loss)(x)];
      });
    });
  }
});

describe('BatchMatMul and _FusedMatMul with transposed operands match cpu', () => {
  const cases = [
    { a: [5, 7], b: [7, 6], transposeA: false, transposeB: false },
    { a: [7, 5], b: [7, 6], transposeA: true, transposeB: false },
    { a: [5, 7], b: [6, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [6, 7], transposeA: true, transposeB: true },
    { a: [3, 7, 5], b: [3, 6, 7], transposeA: true, transposeB: true },
  ];
  for (const c of cases) {
    for (const fused of [false, true]) {
      const name = `${fused ? 'fused (bias, relu) ' : ''}a ${c.a.join('×')}${c.transposeA ? 'ᵀ' : ''} · b ${c.b.join('×')}${c.transposeB ? 'ᵀ' : ''}`;
      it(name, async () => {
        const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
        const inputs: Arrays = [
          { data: randomArray(tf.util.sizeFromShape(c.a), 31), shape: c.a },
          { data: randomArray(tf.util.sizeFromShape(c.b), 32), shape: c.b },
          { data: randomArray(n, 33), shape: [n] },
        ];
        await compareBackends(inputs, (a, b, bias) => [
          fused
            ? tf.fused.matMul({
                a,
                b,
                bias,
                activation: 'relu',
                transposeA: c.transposeA,
                transposeB: c.transposeB,
              })
            : tf.matMul(a, b, c.transposeA, c.transposeB),
        ]);
      });
    }
  }
});

describe('binary operations with one operand broadcast over a block of axes (SIMD) match cpu', () => {
  const cases = [
    { big: [2, 5, 3, 7], small: [2, 1, 1, 7], what: 'per-image channels (FiLM)' },
    { big: [3, 70, 4], small: [3, 1, 4], what: 'per-image channels, rank 3' },
    { big: [2, 4, 3, 3], small: [2, 4, 3, 1], what: 'per pixel against channels' },
    { big: [3, 5, 6, 2], small: [3, 1, 1, 1], what: 'per-image scalar' },
    { big: [2, 5, 3, 6], small: [6], what: 'per channel, lower rank' },
    { big: [2, 3, 5], small: [], what: 'scalar' },
    { big: [2, 5, 3, 4], small: [2, 1, 3, 1], what: 'two blocks: stock kernel' },
    { big: [2, 1], small: [1, 3], what: 'both broadcast: stock kernel' },
  ];
  const ops = {
    mul: tf.mul,
    add: tf.add,
    sub: tf.sub,
    max: tf.maximum,
    min: tf.minimum,
    div: tf.div,
  } as const;
  for (const c of cases) {
    for (const [name, op] of Object.entries(ops)) {
      it(`${name}: ${c.big.join('×')} with ${c.small.join('×') || 'scalar'} (${c.what}), both orders`, async () => {
        const inputs: Arrays = [
          { data: randomArray(tf.util.sizeFromShape(c.big), 51), shape: c.big },
          // Away from zero, so division is well conditioned.
          {
            data: randomArray(tf.util.sizeFromShape(c.small), 52).map(
              (v) => v + Math.sign(v) + 0.5,
            ),
            shape: c.small,
          },
        ];
        await compareBackends(inputs, (x, s) => {
          const f = (xx: tf.Tensor, ss: tf.Tensor) => tf.add(op(xx, ss), tf.mul(op(ss, xx), 0.5));
          const y = f(x, s);
          // tfjs has no broadcasting gradient for maximum and minimum (on any backend).
          if (name === 'max' || name === 'min') return [y];
          const weights = tf.range(1, y.size + 1).reshape(y.shape);
          const loss = (xx: tf.Tensor, ss: tf.Tensor) => tf.sum(tf.mul(f(xx, ss), weights));
          const [dx, ds] = tf.grads(loss)([x, s]);
          return [y, dx, ds];
        });
      });
    }
  }

  const comparisons = {
    equal: tf.equal,
    notEqual: tf.notEqual,
    greater: tf.greater,
    greaterEqual: tf.greaterEqual,
    less: tf.less,
    lessEqual: tf.lessEqual,
  } as const;
  for (const c of cases.slice(0, 4)) {
    it(`comparisons: ${c.big.join('×')} with ${c.small.join('×')} (${c.what}), both orders, ties and NaN`, async () => {
      // Values on a coarse grid, so equal pairs occur; one NaN on each side.
      const grid = (n: number, seed: number) => {
        const v = randomArray(n, seed).map((x) => Math.round(x * 4) / 4);
        v[0] = NaN;
        return v;
      };
      const inputs: Arrays = [
        { data: grid(tf.util.sizeFromShape(c.big), 54), shape: c.big },
        { data: grid(tf.util.sizeFromShape(c.small), 55), shape: c.small },
      ];
      const f = (x: tf.Tensor, s: tf.Tensor) =>
        Object.values(comparisons).flatMap((op) => [op(x, s), op(s, x)]);
      const ref = await under('cpu', inputs, f);
      const got = await under('wasm', inputs, f);
      ref.forEach((r, i) => expect(Array.from(got[i])).toEqual(Array.from(r)));
    });
  }

  it('maximum and minimum let NaN win, as on cpu', async () => {
    const big = [2, 3, 2, 4];
    const data = randomArray(tf.util.sizeFromShape(big), 53);
    data[5] = NaN;
    const small = Float32Array.from([0.1, NaN, -0.2, 0.3, 0.0, -0.1, 0.2, 0.4]);
    const inputs: Arrays = [
      { data, shape: big },
      { data: small, shape: [2, 1, 1, 4] },
    ];
    const f = (x: tf.Tensor, s: tf.Tensor) => [tf.maximum(x, s), tf.minimum(s, x)];
    const ref = await under('cpu', inputs, f);
    const got = await under('wasm', inputs, f);
    ref.forEach((r, i) => expect(Array.from(got[i])).toEqual(Array.from(r)));
  });
});

describe('GatherV2 (our kernel for float32 values and int32 indices) matches cpu', () => {
  const cases = [
    { x: [50, 3], axis: 0, indices: [40], what: 'rows of three (the Elastic attack)' },
    { x: [2, 5, 9], axis: 1, indices: [3], what: 'middle axis, rows of nine' },
    { x: [4, 6], axis: -1, indices: [2, 5], what: 'last axis, 2-D indices' },
    { x: [7, 2], axis: 0, indices: [11], what: 'rows of two' },
    { x: [3, 4], axis: 0, indices: [], what: 'no indices' },
  ];
  for (const c of cases) {
    it(`x ${c.x.join('×')}, axis ${c.axis}, indices ${c.indices.join('×') || '0'} (${c.what})`, async () => {
      const n = c.x[(c.axis + c.x.length) % c.x.length];
      const count = c.indices.length ? tf.util.sizeFromShape(c.indices) : 0;
      // Repeats and both ends of the axis.
      const idx = Int32Array.from(
        { length: count },
        (_, i) => (i * 7 + (i % 3 === 0 ? n - 1 : 0)) % n,
      );
      const inputs: Arrays = [{ data: randomArray(tf.util.sizeFromShape(c.x), 71), shape: c.x }];
      const f = (x: tf.Tensor) => [
        tf.gather(x, tf.tensor(idx, c.indices.length ? c.indices : [0], 'int32'), c.axis),
      ];
      const ref = await under('cpu', inputs, f);
      const got = await under('wasm', inputs, f);
      expect(Array.from(got[0])).toEqual(Array.from(ref[0]));
    });
  }

  it('an index out of range is refused on wasm as on cpu (the stock kernel reports it)', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const x = tf.ones([4, 3]);
      const idx = tf.tensor1d([1, 4], 'int32');
      expect(() => tf.gather(x, idx).dataSync(), backend).toThrow(/not in \[0, 3\]/);
      tf.dispose([x, idx]);
    }
  });
});

describe('Pack, Unpack, SplitV and Concat (strided copies for float32) match cpu', () => {
  const shapes = [
    [4, 5, 3, 2],
    [3, 7, 6],
  ];
  for (const shape of shapes) {
    for (let axis = -1; axis < shape.length; axis++) {
      it(`unstack and stack back ${shape.join('×')} along axis ${axis}`, async () => {
        const inputs: Arrays = [{ data: randomArray(tf.util.sizeFromShape(shape), 81), shape }];
        const f = (x: tf.Tensor) => {
          const parts = tf.unstack(x, axis);
          // Reversed, so the order of the inputs matters.
          return [...parts, tf.stack([...parts].reverse(), axis)];
        };
        const ref = await under('cpu', inputs, f);
        const got = await under('wasm', inputs, f);
        expect(got.length).toBe(ref.length);
        ref.forEach((r, i) => expect(Array.from(got[i])).toEqual(Array.from(r)));
      });
    }
  }

  for (const [shape, axis, splits] of [
    [[4, 5, 3, 7], -1, [3, 1, 3]],
    [[4, 5, 3, 7], 1, [2, -1]],
    [[6, 4], 0, 3],
    [[2, 9, 2], 1, [4, 0, 5]],
  ] as [number[], number, number | number[]][]) {
    it(`split ${shape.join('×')} along axis ${axis} into ${JSON.stringify(splits)}, concat back in reverse`, async () => {
      const inputs: Arrays = [{ data: randomArray(tf.util.sizeFromShape(shape), 82), shape }];
      const f = (x: tf.Tensor) => {
        const parts = tf.split(x, splits, axis);
        return [...parts, tf.concat([...parts].reverse(), axis)];
      };
      const ref = await under('cpu', inputs, f);
      const got = await under('wasm', inputs, f);
      expect(got.length).toBe(ref.length);
      ref.forEach((r, i) => expect(Array.from(got[i])).toEqual(Array.from(r)));
    });
  }

  it('stacks one tensor, and int32 tensors, through the stock kernel', async () => {
    const f = () => [
      tf.stack([tf.tensor1d([1, 2, 3])], 1),
      tf.stack([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')], 1).toFloat(),
    ];
    const ref = await under('cpu', [], f);
    const got = await under('wasm', [], f);
    ref.forEach((r, i) => expect(Array.from(got[i])).toEqual(Array.from(r)));
  });
});

describe('ResizeNearestNeighborGrad on wasm and cpu matches the forward pass itself', () => {
  // The forward is linear and copies values: the gradient of Σ y·W at input i is f(eᵢ), with
  // integer weights W exact in float32. The cpu backend's own gradient kernel is wrong for every
  // image but the first (tfjs 4.22); the engine replaces it, and both are checked here.
  const cases = [
    {
      name: '2× of 2×3×4×5 (upSampling2d; SIMD)',
      x: [2, 3, 4, 5],
      size: [6, 8],
      align: false,
      half: false,
    },
    { name: '3×2 of 2×3×3×8 (SIMD)', x: [2, 3, 3, 8], size: [9, 6], align: false, half: false },
    {
      name: '2× with half-pixel centres, 2×3×4×3 (SIMD)',
      x: [2, 3, 4, 3],
      size: [6, 8],
      align: false,
      half: true,
    },
    {
      name: 'aligned corners, 2×3×4×5 (scatter)',
      x: [2, 3, 4, 5],
      size: [6, 8],
      align: true,
      half: false,
    },
    {
      name: 'non-integer factor, 2×5×4×2 (scatter)',
      x: [2, 5, 4, 2],
      size: [7, 9],
      align: false,
      half: true,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const n = tf.util.sizeFromShape(c.x);
      const weights = (y: tf.Tensor) => tf.range(1, y.size + 1).reshape(y.shape);
      const f = (xx: tf.Tensor) => {
        const y = tf.image.resizeNearestNeighbor(
          xx as tf.Tensor4D,
          c.size as [number, number],
          c.align,
          c.half,
        );
        return tf.sum(tf.mul(y, weights(y)));
      };
      await useBackend('cpu');
      const expected = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        expected[i] = tf.tidy(() => f(tf.oneHot(i, n).reshape(c.x).toFloat()).dataSync()[0]);
      }
      const inputs: Arrays = [{ data: randomArray(n, 41), shape: c.x }];
      for (const backend of ['wasm', 'cpu'] as const) {
        const [got] = await under(backend, inputs, (x) => [tf.grad(f)(x)]);
        expect(Array.from(got), backend).toEqual(Array.from(expected));
      }
    });
  }
});

describe("Sum and Mean (a block of axes before the last in one pass, others through wasm's own) match cpu", () => {
  const cases: { name: string; shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { name: 'NHWC → C, x 3×5×4×6', shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: false },
    { name: 'NHWC → C keepDims, x 3×5×4×6', shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: true },
    { name: 'axis 0 of 7×3 (bias gradient)', shape: [7, 3], axis: 0, keepDims: false },
    // More than one block of 64 rows; four-channel groups and a scalar tail.
    { name: 'NHWC → C, x 5×6×7×11', shape: [5, 6, 7, 11], axis: [0, 1, 2], keepDims: false },
    {
      name: 'unsorted leading axes [1,0] of 4×5×2',
      shape: [4, 5, 2],
      axis: [1, 0],
      keepDims: false,
    },
    {
      name: 'spatial axes [1,2] (global average pool)',
      shape: [2, 5, 3, 4],
      axis: [1, 2],
      keepDims: false,
    },
    {
      name: 'spatial axes [1,2] keepDims, x 3×9×11×7 (more than 64 rows)',
      shape: [3, 9, 11, 7],
      axis: [2, 1],
      keepDims: true,
    },
    {
      name: 'axes [0,2], not a block, falls back',
      shape: [3, 4, 5, 2],
      axis: [0, 2],
      keepDims: false,
    },
    { name: 'last axis, falls back', shape: [4, 9], axis: -1, keepDims: true },
    { name: 'every axis, falls back', shape: [3, 4], axis: [0, 1], keepDims: false },
  ];
  for (const c of cases) {
    for (const op of ['sum', 'mean'] as const) {
      it(`${op}: ${c.name}`, async () => {
        const inputs: Arrays = [
          { data: randomArray(tf.util.sizeFromShape(c.shape), 12), shape: c.shape },
        ];
        await compareBackends(inputs, (x) => [tf[op](x, c.axis, c.keepDims)]);
        await useBackend('wasm');
        const shape = tf.tidy(() => tf[op](tf.zeros(c.shape), c.axis, c.keepDims).shape);
        await useBackend('cpu');
        expect(shape).toEqual(tf.tidy(() => tf[op](tf.zeros(c.shape), c.axis, c.keepDims).shape));
      });
    }
  }
});

describe('Identity without a copy', () => {
  it('a clone outlives its source, and a variable keeps its value after the source is disposed', async () => {
    await useBackend('wasm');
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const v = tf.variable(b);
    b.dispose();
    v.assign(tf.tidy(() => tf.mul(v, 2)));
    expect(Array.from(v.dataSync())).toEqual([2, 4, 6]);
    v.dispose();
  });
});

describe('Cast to the same dtype without a copy', () => {
  it('shares the data, outlives its source, and other casts still convert like cpu', async () => {
    await useBackend('wasm');
    const a = tf.tensor([1.5, -2.25, 3]);
    const same = tf.cast(tf.mul(a, 1), 'float32');
    const direct = tf.engine().runKernel('Cast', { x: a }, { dtype: 'float32' }) as tf.Tensor;
    a.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(direct.dataSync())).toEqual([1.5, -2.25, 3]);
    tf.dispose([same, direct]);
    const conversions = (x: tf.Tensor) => [
      tf.cast(x, 'int32'),
      tf.cast(tf.cast(x, 'int32'), 'float32'),
      tf.cast(tf.greater(x, 0), 'float32'),
    ];
    const inputs: Arrays = [{ data: Float32Array.from([1.7, -2.6, 0, 3.2]), shape: [4] }];
    const ref = await under('cpu', inputs, conversions);
    const got = await under('wasm', inputs, conversions);
    got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(ref[i])));
  });
});

describe('tensor hygiene', () => {
  it('the kernels leave no tensor behind over repeated gradient calls', async () => {
    await useBackend('wasm');
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 9, 7, 3]) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => {
          const c = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same');
          const { mean, variance } = tf.moments(c, [0, 1, 2]);
          const b = tf.batchNorm(c, mean, variance, tf.zeros([4]), tf.ones([4]), 1e-3);
          return tf.sum(tf.maxPool(b as tf.Tensor4D, 2, 2, 'same'));
        };
        tf.grads(loss)([x, w]).forEach((g) => g.dataSync());
      });
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('whole network gradients match cpu', () => {
  // Small images on purpose: besides speed, max-pool and ReLU are discontinuous, and with enough
  // units a last-bit difference between backends flips one argmax (at 32×32 it does, moving
  // a few gradient entries by percent). 8×8 keeps every comparison on the smooth side.
  it('benchmark CNN on 8×8×3, batch 4: input gradient and every weight gradient, training mode', async () => {
    const shape: [number, number, number, number] = [4, 8, 8, 3];
    const inputs: Arrays = [
      { data: randomArray(tf.util.sizeFromShape(shape), 11).map((v) => v + 0.5), shape },
    ];
    await compareBackends(inputs, (x) => {
      const model = benchCnn([8, 8, 3], 10);
      // Identical weights on both backends, from seeded arrays (variances kept positive).
      model.setWeights(
        model.weights.map((w, i) => {
          const shift = w.name.includes('variance') ? 1 : 0;
          return tf.tensor(
            randomArray(tf.util.sizeFromShape(w.shape as number[]), 100 + i).map(
              (v) => v * 0.5 + shift,
            ),
            w.shape as number[],
          );
        }),
      );
      const labels = tf.oneHot(tf.tensor1d([0, 3, 5, 9], 'int32'), 10);
      const lossOf = (xx: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(
          labels,
          model.apply(xx, { training: true }) as tf.Tensor,
        ) as tf.Scalar;
      const { grads } = tf.variableGrads(() => lossOf(x));
      const dx = tf.grad(lossOf)(x);
      const out = [
        dx,
        ...Object.keys(grads)
          .sort()
          .map((k) => grads[k]),
      ];
      model.dispose();
      return out;
    });
  });
});
