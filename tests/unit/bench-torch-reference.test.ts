/**
 * The benchmark's PyTorch side runs the engine's own network: bench/pytorch/onnx_torch.py reads
 * the engine's ONNX export and, in both of its set-ups (as written; batch norm folded and
 * channels_last), gives the engine's logits on the same images (the benchmark CNN with trained-
 * looking batch-norm statistics, and the shipped Normal classifier).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/main/engine/runtime/backend';
import { benchCnn } from '../../src/main/engine/models/architectures';
import { loadClassifier } from '../../src/main/engine/models/load';
import type { LayersClassifier } from '../../src/main/engine/models/classifier';
import { exportForTorch, PYTHON } from '../../bench/cases/torch-reference';

const SCRIPT = join(import.meta.dirname, '../../bench/pytorch/same_weights.py');
const dir = mkdtempSync(join(tmpdir(), 'dmat-torch-ref-'));
const exported: string[] = [];

function exportModel(model: tf.LayersModel, shape: [number, number, number]): string {
  const { file, dir: at } = exportForTorch(model, shape);
  exported.push(at);
  return file;
}

function torchLogits(onnx: string, images: Float32Array, n: number): Record<string, number[]> {
  const file = join(dir, 'images.f32');
  writeFileSync(file, images);
  const r = spawnSync(PYTHON, [SCRIPT, 'logits', onnx, '1', file, String(n)], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    variants: Record<string, { logits: number[] }>;
  };
  return Object.fromEntries(Object.entries(out.variants).map(([k, v]) => [k, v.logits]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('the PyTorch side of the benchmark runs the same network and weights', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => {
    for (const d of [dir, ...exported]) rmSync(d, { recursive: true, force: true });
  });

  it('the benchmark CNN, batch-norm statistics set: both set-ups within 1e-4 of the engine', () => {
    const model = benchCnn([32, 32, 3], 10);
    // Non-trivial batch-norm statistics, so that folding them is tested.
    for (const layer of model.layers.filter((l) => l.name.startsWith('bn'))) {
      const [gamma, beta, mean, variance] = layer.getWeights();
      layer.setWeights([
        tf.randomUniform(gamma.shape, 0.5, 1.5, 'float32', 1),
        tf.randomUniform(beta.shape, -0.2, 0.2, 'float32', 2),
        tf.randomUniform(mean.shape, -0.2, 0.2, 'float32', 3),
        tf.randomUniform(variance.shape, 0.5, 1.5, 'float32', 4),
      ]);
    }
    const x = tf.randomUniform([6, 32, 32, 3], 0, 1, 'float32', 5);
    const engine = (model.predict(x) as tf.Tensor).dataSync();
    const file = exportModel(model, [32, 32, 3]);
    const torch = torchLogits(file, x.dataSync() as Float32Array, 6);
    expect(Object.keys(torch).sort()).toEqual(['as written', 'tuned']);
    for (const logits of Object.values(torch)) {
      expect(logits).toHaveLength(60);
      expect(maxDiff(logits, engine)).toBeLessThan(1e-4);
    }
    tf.dispose(x);
    model.dispose();
  });

  it('the shipped Normal classifier: both set-ups within 1e-4 of the engine', async () => {
    const { model } = await loadClassifier(
      join(import.meta.dirname, '../../resources/models/normal'),
    );
    const c = model as LayersClassifier;
    const x = tf.randomUniform([5, ...c.inputShape], 0, 1, 'float32', 6) as tf.Tensor4D;
    const engine = c.logits(x).dataSync();
    const file = exportModel(c.model, c.inputShape);
    for (const logits of Object.values(torchLogits(file, x.dataSync() as Float32Array, 5))) {
      expect(maxDiff(logits, engine)).toBeLessThan(1e-4);
    }
    tf.dispose(x);
    c.dispose();
  });
});
