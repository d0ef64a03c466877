/**
 * ONNX import against PyTorch: each fixture in tests/fixtures/onnx was exported by real PyTorch
 * (make_fixtures.py) with its logits, input gradient and weight gradients from autograd. The
 * converted model must reproduce them on wasm and on the pure-JS cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { initBackend, useBackend } from '../../src/main/engine/runtime/backend';
import { readOnnxFile } from '../../src/main/engine/models/onnx/proto';
import { convertOnnx, type OnnxConversion } from '../../src/main/engine/models/onnx/convert';
import { frozenForward } from '../../src/main/engine/models/frozen';

const DIR = path.resolve(__dirname, '../fixtures/onnx');

interface Golden {
  name: string;
  opset: number;
  dynamicBatch: boolean;
  input: { dims: number[]; data: number[] };
  labels: number[];
  logits: { dims: number[]; data: number[] };
  probabilities: boolean;
  inputGrad: { dims: number[]; data: number[] };
  weightGrads: Record<string, { dims: number[]; data: number[] }>;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.replace(/\.onnx$/, ''));

const golden = (name: string): Golden =>
  JSON.parse(readFileSync(path.join(DIR, `${name}.golden.json`), 'utf8')) as Golden;

const nhwc = (t: { dims: number[]; data: number[] }) =>
  tf.tidy(() =>
    tf.tensor4d(t.data, t.dims as [number, number, number, number]).transpose([0, 2, 3, 1]),
  );

function cosine(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.mul(b).sum().div(a.norm().mul(b.norm())).dataSync()[0]);
}

async function convert(name: string): Promise<OnnxConversion> {
  return convertOnnx(await readOnnxFile(path.join(DIR, `${name}.onnx`)));
}

/** Summed cross-entropy, as the fixtures' PyTorch reference computes it. */
function loss(c: OnnxConversion, g: Golden, x: tf.Tensor): tf.Scalar {
  const logits = c.model.apply(x, { training: false }) as tf.Tensor2D;
  const labels = tf.oneHot(tf.tensor1d(g.labels, 'int32'), c.numClasses);
  return tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)))) as tf.Scalar;
}

beforeAll(async () => {
  await initBackend();
});

it('covers every architecture the import promises', () => {
  expect(fixtures).toEqual(
    expect.arrayContaining([
      'resnet18-narrow',
      'wrn-narrow',
      'dm-wrn-silu-narrow',
      'preact-resnet18-static',
      'preact-resnet18-dynamic',
      'small-cnn-dropout-bn1d',
      'small-cnn-training-mode',
      'ops-zoo',
      'softmax-head',
      'ceil-mode-pool',
    ]),
  );
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    for (const name of fixtures) {
      it(`${name}: logits within 1e-4 and input gradient cosine ≥ 0.9999 of PyTorch`, async () => {
        const g = golden(name);
        const c = await convert(name);
        const before = tf.memory().numTensors;
        const [logitError, gradCosine] = tf.tidy(() => {
          const x = nhwc(g.input);
          const logits = c.model.predict(x) as tf.Tensor2D;
          // A stripped softmax leaves logits; PyTorch's golden values are then log-probabilities.
          const ours = g.probabilities ? tf.logSoftmax(logits) : logits;
          const want = tf.tensor2d(g.logits.data, g.logits.dims as [number, number]);
          const scale = Math.max(1, want.abs().max().dataSync()[0]);
          const grad = tf.grad((xx: tf.Tensor) => loss(c, g, xx))(x);
          return [
            ours.sub(want).abs().max().dataSync()[0] / scale,
            cosine(grad, nhwc(g.inputGrad)),
          ];
        });
        expect(logitError).toBeLessThan(1e-4);
        expect(gradCosine).toBeGreaterThanOrEqual(0.9999);
        expect(tf.memory().numTensors).toBe(before);
        c.model.dispose();
      });
    }

    it("the attacks' frozen forward pass (folded pads, small maps as matrix products) matches the model", async () => {
      for (const name of fixtures) {
        const g = golden(name);
        const c = await convert(name);
        const [logitError, gradCosine] = tf.tidy(() => {
          const x = nhwc(g.input);
          const frozen = frozenForward(c.model);
          const plain = c.model.predict(x) as tf.Tensor;
          const fast = frozen(x as tf.Tensor4D);
          const labels = tf.oneHot(tf.tensor1d(g.labels, 'int32'), c.numClasses);
          const ce = (f: (t: tf.Tensor4D) => tf.Tensor) => (xx: tf.Tensor) =>
            tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(f(xx as tf.Tensor4D))))) as tf.Scalar;
          const gFast = tf.grad(ce(frozen))(x);
          const gPlain = tf.grad(ce((t) => c.model.apply(t, { training: false }) as tf.Tensor))(x);
          return [fast.sub(plain).abs().max().dataSync()[0], cosine(gFast, gPlain)];
        });
        expect(logitError, name).toBeLessThan(1e-4);
        expect(gradCosine, name).toBeGreaterThanOrEqual(0.99999);
        c.model.dispose();
      }
    });

    it('weight gradients of imported models match PyTorch autograd on one batch', async () => {
      let compared = 0;
      for (const name of fixtures) {
        const g = golden(name);
        const c = await convert(name);
        const x = nhwc(g.input);
        const { grads } = tf.variableGrads(() => loss(c, g, x));
        for (const [param, want] of Object.entries(g.weightGrads)) {
          const layer = Object.entries(c.layerSources).find(([, srcs]) => srcs[0] === param)?.[0];
          expect(layer, `${name}: the layer holding ${param}`).toBeDefined();
          const variable = c.model.getLayer(layer!).trainableWeights[0];
          // Keyed by the variable's process-unique name (a second import gets suffixed names).
          const got = grads[variable.name];
          expect(got, `${name}: gradient of ${param}`).toBeDefined();
          // Back to PyTorch's layout: Conv [M, C, kh, kw] from [kh, kw, C, M]; Linear [out, in].
          const back = want.dims.length === 4 ? got.transpose([3, 2, 0, 1]) : got.transpose([1, 0]);
          const ref = tf.tensor(want.data, want.dims);
          expect(cosine(back, ref), `${name}: ${param}`).toBeGreaterThanOrEqual(0.9999);
          const rel = back.sub(ref).abs().max().div(ref.abs().max()).dataSync()[0];
          expect(rel, `${name}: ${param}`).toBeLessThan(1e-3);
          compared++;
          tf.dispose([back, ref]);
        }
        tf.dispose([x, ...Object.values(grads)]);
        c.model.dispose();
      }
      expect(compared).toBeGreaterThanOrEqual(10);
    });
  });
}

it('a static-batch export (Reshape to [1, −1]) runs at any batch size', async () => {
  const g = golden('preact-resnet18-static');
  const c = await convert('preact-resnet18-static');
  const x = nhwc(g.input);
  expect(x.shape[0]).toBe(4);
  const logits = c.model.predict(tf.concat([x, x, x])) as tf.Tensor;
  expect(logits.shape).toEqual([12, 10]);
  c.model.dispose();
});

it('records in-model normalisation, a stripped softmax and training-mode nodes', async () => {
  const dm = await convert('dm-wrn-silu-narrow');
  expect(dm.inGraphNormalisation?.mean?.map((v) => +v.toFixed(4))).toEqual([
    0.4914, 0.4822, 0.4465,
  ]);
  expect(dm.inGraphNormalisation?.std?.map((v) => +v.toFixed(4))).toEqual([0.2471, 0.2435, 0.2616]);
  // The F.pad chains (ConstantOfShape, Slice with step −1, Transpose, Cast…) fold away.
  expect(dm.operators.Slice).toBeGreaterThan(0);
  expect(dm.model.layers.some((l) => l.getClassName() === 'OnnxSlice')).toBe(false);
  const soft = await convert('softmax-head');
  expect(soft.strippedSoftmax).toBe('Softmax');
  const train = await convert('small-cnn-training-mode');
  expect(train.trainingModeNodes).toBe(true);
  expect(train.model.layers.some((l) => l.getClassName() === 'Dropout')).toBe(true);
  for (const c of [dm, soft, train]) c.model.dispose();
});

it('a PGD-style loop on an imported model leaks no tensors', async () => {
  const g = golden('resnet18-narrow');
  const c = await convert('resnet18-narrow');
  let x = nhwc(g.input);
  const start = tf.memory().numTensors;
  for (let i = 0; i < 10; i++) {
    const next = tf.tidy(() => {
      const grad = tf.grad((xx: tf.Tensor) => loss(c, g, xx))(x);
      return x.add(grad.sign().mul(1 / 255)).clipByValue(0, 1);
    });
    x.dispose();
    x = next;
  }
  expect(tf.memory().numTensors).toBe(start);
  x.dispose();
  c.model.dispose();
});
