/**
 * A PGD step of an imported ResNet-18 (torchvision's, exported by PyTorch to ONNX: 32×32×3,
 * batch 128) through the engine's frozen forward pass, and in the same run PyTorch's own time for
 * the same step on the same weights with the same thread count (bench/pytorch/resnet18_pgd.py),
 * where /usr/bin/python3 has torch and torchvision. Without them, the ONNX file is the engine's
 * own export of its built-in ResNet-18 layout, and only the engine's side is timed.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resnetLike } from '../../src/main/engine/models/architectures/resnet-like';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { frozenForward } from '../../src/main/engine/models/frozen';
import { exportClassifierToOnnx } from '../../src/main/engine/models/onnx/export';
import { importOnnxClassifier } from '../../src/main/engine/models/onnx/import';
import type { BenchCase, BenchOptions } from '../types';
import { BATCH, crossEntropy } from './fixtures';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../pytorch/resnet18_pgd.py');
const EPS = 4 / 255;
const STEP = 1 / 255;
/** The engine's PGD step runs on one thread (the wasm backend's pool does not run in Node). */
const THREADS = 1;

interface TorchTiming {
  torch: string;
  threads: number;
  msPerStep: number;
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

/** Write the ONNX file (and time PyTorch) or fall back to the engine's own export. */
function prepare(file: string, opts: BenchOptions): TorchTiming | undefined {
  if (torchAvailable()) {
    const r = spawnSync(
      PYTHON,
      [SCRIPT, file, String(THREADS), String(BATCH), opts.quick ? '3' : '5'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0)
      throw new Error(`PyTorch side failed: ${r.stderr.trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchTiming;
  }
  const model = resnetLike([32, 32, 3], 10, { width: 64, blocks: [2, 2, 2, 2] });
  const c = new LayersClassifier(model, {
    name: 'resnet18',
    inputShape: [32, 32, 3],
    numClasses: 10,
  });
  writeFileSync(file, exportClassifierToOnnx(c));
  c.dispose();
  return undefined;
}

export const onnxResnet18PgdStep: BenchCase = {
  id: 'onnx-resnet18-pgd-step',
  metric: `PGD step, ResNet-18 imported from ONNX (32×32×3), batch ${BATCH}`,
  imagesPerRun: () => BATCH,
  stepsPerRun: () => 1,
  warmup: () => 1,
  repeats: (opts) => (opts.quick ? 2 : 3),
  setup: async (opts) => {
    const dir = mkdtempSync(join(tmpdir(), 'dmat-bench-onnx-'));
    const file = join(dir, 'resnet18.onnx');
    const torch = prepare(file, opts);
    const { classifier } = await importOnnxClassifier(file);
    const logits = frozenForward(classifier.model);
    const x = tf.randomUniform([BATCH, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.tidy(() =>
      tf.randomUniform([BATCH], 0, 10, 'float32', 4).floor().toInt(),
    ) as tf.Tensor1D;
    const grad = tf.grad((d: tf.Tensor) =>
      crossEntropy(logits(tf.clipByValue(tf.add(x, d), 0, 1) as tf.Tensor4D), y),
    );
    let delta = tf.zerosLike(x) as tf.Tensor;
    return {
      run: () => {
        const next = tf.tidy(() => {
          const stepped = tf.add(delta, tf.mul(STEP, tf.sign(grad(delta))));
          return tf.sub(tf.clipByValue(tf.add(x, tf.clipByValue(stepped, -EPS, EPS)), 0, 1), x);
        });
        delta.dispose();
        delta = next;
        delta.dataSync();
      },
      note: (msPerStep: number) =>
        torch
          ? `PyTorch ${torch.torch} CPU, ${torch.threads} thread(s), same ONNX weights: ${torch.msPerStep.toFixed(1)} ms/step; engine ÷ PyTorch = ${(msPerStep / torch.msPerStep).toFixed(2)}×`
          : 'PyTorch not found at /usr/bin/python3: the engine side only, on its own export of a ResNet-18 layout',
      dispose: () => {
        tf.dispose([x, y, delta]);
        classifier.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
