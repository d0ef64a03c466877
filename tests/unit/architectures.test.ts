/** The built-in networks: shapes, logits (no softmax), the fixed benchmark layout, the registry. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/main/engine/runtime/backend';
import {
  architectures,
  benchCnn,
  resnetLike,
  smallCnn,
} from '../../src/main/engine/models/architectures';

function layersOf(model: tf.LayersModel, cls: string): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === cls);
}

function config(l: tf.layers.Layer): Record<string, unknown> {
  return l.getConfig() as Record<string, unknown>;
}

describe('built-in architectures', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const [id, entry] of Object.entries(architectures)) {
    it(`registry "${id}" builds for its suggested input and outputs finite logits, not probabilities`, () => {
      expect(entry.name.length).toBeGreaterThan(0);
      expect(entry.description.length).toBeGreaterThan(20);
      const model = entry.build(entry.suggestedInputShape, 7);
      expect(model.inputs[0].shape).toEqual([null, ...entry.suggestedInputShape]);
      expect(model.outputs[0].shape).toEqual([null, 7]);
      const last = model.layers[model.layers.length - 1];
      expect(config(last).activation).toBe('linear');
      tf.tidy(() => {
        const out = model.predict(tf.randomUniform([2, ...entry.suggestedInputShape])) as tf.Tensor;
        const values = out.dataSync();
        expect(values.every(Number.isFinite)).toBe(true);
        // Rows of a softmax would sum to 1; logits of an untrained network do not.
        const rowSums = tf.sum(out, 1).dataSync();
        expect(Array.from(rowSums).some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
      });
      model.dispose();
    });
  }

  it('benchCnn has the fixed benchmark layout', () => {
    const model = benchCnn();
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 3]);
    const convs = layersOf(model, 'Conv2D');
    expect(convs.map((c) => config(c).filters)).toEqual([32, 64, 64]);
    expect(convs.every((c) => JSON.stringify(config(c).kernelSize) === '[3,3]')).toBe(true);
    expect(layersOf(model, 'BatchNormalization')).toHaveLength(3);
    expect(layersOf(model, 'ReLU')).toHaveLength(3);
    expect(layersOf(model, 'MaxPooling2D')).toHaveLength(2);
    expect(layersOf(model, 'GlobalAveragePooling2D')).toHaveLength(1);
    const dense = layersOf(model, 'Dense');
    expect(dense.map((d) => config(d).units)).toEqual([10]);
    model.dispose();
  });

  it('smallCnn for 28×28×1 is cheap: two conv blocks, under 500 k weights', () => {
    const model = smallCnn([28, 28, 1], 10);
    expect(layersOf(model, 'Conv2D').map((c) => config(c).filters)).toEqual([32, 64]);
    expect(model.countParams()).toBeLessThan(500_000);
    const noBn = smallCnn([28, 28, 1], 10, { batchNorm: false, width: 8 });
    expect(layersOf(noBn, 'BatchNormalization')).toHaveLength(0);
    expect(layersOf(noBn, 'Conv2D').map((c) => config(c).filters)).toEqual([8, 16]);
    model.dispose();
    noBn.dispose();
  });

  it('resnetLike with [2,2,2,2] has ResNet-18 structure: 20 convolutions, 8 residual adds, /8 resolution', () => {
    const model = resnetLike([32, 32, 3], 10, { width: 8 });
    // stem + 2 per block × 8 blocks + 3 projection shortcuts
    expect(layersOf(model, 'Conv2D')).toHaveLength(20);
    expect(layersOf(model, 'Add')).toHaveLength(8);
    const lastBlock = model.getLayer('s4b2_out');
    expect(lastBlock.outputShape).toEqual([null, 4, 4, 64]);
    model.dispose();
  });

  it('resnetLike refuses a bad width or block list, naming the value', () => {
    expect(() => resnetLike([32, 32, 3], 10, { width: 0 })).toThrow(/width.*0/);
    expect(() => resnetLike([32, 32, 3], 10, { blocks: [] })).toThrow(/blocks/);
    expect(() => resnetLike([32, 32, 3], 10, { blocks: [2, 0] })).toThrow(/blocks.*2, 0/);
  });

  it('the same architecture can be built twice in one process (no name clashes)', () => {
    const a = smallCnn([28, 28, 1], 10);
    const b = smallCnn([28, 28, 1], 10);
    tf.tidy(() => {
      const x = tf.zeros([1, 28, 28, 1]);
      expect((a.predict(x) as tf.Tensor).shape).toEqual([1, 10]);
      expect((b.predict(x) as tf.Tensor).shape).toEqual([1, 10]);
    });
    a.dispose();
    b.dispose();
  });
});
