/**
 * frozenForward: the same logits as model.predict (inference mode), the same input gradient as
 * tf.grad through the LayersModel, no weight-gradient kernels on the way back, no leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/main/engine/runtime/backend';
import { frozenForward } from '../../src/main/engine/models/frozen';
import { benchCnn, resnetLike, smallCnn } from '../../src/main/engine/models/architectures';

/** Give every weight (batch-norm statistics included) non-trivial values, so folding matters. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  tf.tidy(() => {
    model.setWeights(
      model.weights.map((w, i) => {
        const shape = w.shape as number[];
        if (w.name.includes('moving_variance'))
          return tf.randomUniform(shape, 0.5, 2, 'float32', seed + i);
        if (w.name.includes('gamma')) return tf.randomUniform(shape, 0.5, 1.5, 'float32', seed + i);
        return tf.randomNormal(shape, 0, 0.3, 'float32', seed + i);
      }),
    );
  });
}

function sequentialMix(): tf.LayersModel {
  // Conv with its own ReLU, strides and valid padding, average pooling, dense + batch-norm,
  // dropout (identity in inference), flatten: the layers frozenForward handles natively or not.
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 10, 3],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        activation: 'relu',
      }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'same', activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16 }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 4 }),
    ],
  });
}

function nested(): tf.LayersModel {
  const inner = smallCnn([14, 14, 1], 5, { width: 4, hidden: 8 });
  const input = tf.input({ shape: [14, 14, 1] });
  const out = inner.apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const models: {
  name: string;
  build: () => tf.LayersModel;
  shape: [number, number, number, number];
}[] = [
  {
    name: 'benchmark CNN (conv + BN + ReLU, max-pool, GAP)',
    build: () => benchCnn([16, 16, 3], 10),
    shape: [6, 16, 16, 3],
  },
  {
    name: 'small CNN (28×28×1, dense head)',
    build: () => smallCnn([28, 28, 1], 10),
    shape: [5, 28, 28, 1],
  },
  {
    name: 'small CNN without batch-norm',
    build: () => smallCnn([28, 28, 1], 10, { batchNorm: false }),
    shape: [3, 28, 28, 1],
  },
  {
    name: 'ResNet-like (strided convs, 1×1 projections, residual adds)',
    build: () => resnetLike([16, 16, 3], 7, { width: 4, blocks: [1, 1] }),
    shape: [4, 16, 16, 3],
  },
  {
    name: 'sequential mix (conv relu, avg-pool, tanh, dense + BN, dropout)',
    build: sequentialMix,
    shape: [4, 12, 10, 3],
  },
  { name: 'nested model', build: nested, shape: [3, 14, 14, 1] },
];

function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12),
  );
}

describe('frozenForward', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const [i, m] of models.entries()) {
    it(`${m.name}: logits equal model.predict and input gradients equal tf.grad through the model`, () => {
      const model = m.build();
      randomizeWeights(model, 10 * i);
      const f = frozenForward(model);
      tf.tidy(() => {
        const x = tf.randomUniform(m.shape, 0, 1, 'float32', 7) as tf.Tensor4D;
        const ref = model.predict(x) as tf.Tensor;
        const got = f(x);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
        const classes = ref.shape[1] as number;
        const labels = tf.oneHot(
          tf.tensor1d(
            Array.from({ length: m.shape[0] }, (_, k) => k % classes),
            'int32',
          ),
          classes,
        );
        const ce = (logits: tf.Tensor) =>
          tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        const gRef = tf.grad((xx: tf.Tensor) =>
          ce(model.apply(xx, { training: false }) as tf.Tensor),
        )(x);
        const gGot = tf.grad((xx: tf.Tensor) => ce(f(xx as tf.Tensor4D)))(x);
        expect(tf.max(tf.abs(gRef)).dataSync()[0]).toBeGreaterThan(0);
        expect(relErr(gGot, gRef)).toBeLessThan(1e-4);
      });
      model.dispose();
    });
  }

  it('the input gradient runs no weight-gradient kernel and no batch-norm (folded)', async () => {
    const model = benchCnn([16, 16, 3], 10);
    randomizeWeights(model, 3);
    const f = frozenForward(model);
    const x = tf.randomUniform([4, 16, 16, 3]) as tf.Tensor4D;
    const kernelsOf = async (logits: (xx: tf.Tensor4D) => tf.Tensor) => {
      const p = await tf.profile(() =>
        tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(logits(xx as tf.Tensor4D)))(x)),
      );
      return new Set(p.kernels.map((k) => k.name));
    };
    const viaModel = await kernelsOf((xx) => model.apply(xx, { training: false }) as tf.Tensor);
    const viaFrozen = await kernelsOf(f);
    // The LayersModel skips filter gradients too now: tf.fused.conv2d differentiates lazily
    // under a tape (runtime/kernels/lazy-fused-conv2d.ts).
    expect(viaModel.has('Conv2DBackpropFilter')).toBe(false);
    expect(viaModel.has('FusedBatchNorm')).toBe(true);
    expect(viaFrozen.has('Conv2DBackpropFilter')).toBe(false);
    expect(viaFrozen.has('FusedBatchNorm')).toBe(false); // folded into the convolutions
    expect(viaFrozen.has('Conv2DBackpropInput')).toBe(true);
    x.dispose();
    model.dispose();
  });

  it('follows the model when its weights change (no stale snapshot)', () => {
    const model = smallCnn([28, 28, 1], 10, { width: 4, hidden: 8 });
    const f = frozenForward(model);
    const x = tf.randomUniform([2, 28, 28, 1]) as tf.Tensor4D;
    randomizeWeights(model, 1);
    const a = f(x);
    randomizeWeights(model, 2);
    const b = f(x);
    const ref = model.predict(x) as tf.Tensor;
    expect(relErr(b, ref)).toBeLessThan(1e-4);
    expect(relErr(a, ref)).toBeGreaterThan(1e-2);
    tf.dispose([x, a, b, ref]);
    model.dispose();
  });

  it('leaves no tensor behind over repeated forward and gradient calls', () => {
    const model = benchCnn([16, 16, 3], 10);
    const f = frozenForward(model);
    const x = tf.randomUniform([2, 16, 16, 3]) as tf.Tensor4D;
    const step = () =>
      tf.tidy(
        () =>
          void tf
            .grad((xx: tf.Tensor) => tf.sum(f(xx as tf.Tensor4D)))(x)
            .dataSync(),
      );
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      step();
      f(x).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('refuses a model with several inputs, naming it', () => {
    const a = tf.input({ shape: [4] });
    const b = tf.input({ shape: [4] });
    const out = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: out, name: 'two_inputs' });
    expect(() => frozenForward(model)).toThrow(/two_inputs.*2 inputs/);
  });
});
