/**
 * A PGD step of a PyTorch classifier imported from ONNX, through the engine's frozen forward
 * pass, and in the same run PyTorch's own time for the same step on the same weights with the
 * same thread count (bench/pytorch/*_pgd.py), where /usr/bin/python3 has torch and torchvision:
 * - torchvision's ResNet-18 (32×32×3, batch 128). Without PyTorch, the ONNX file is the engine's
 *   own export of its built-in ResNet-18 layout, and only the engine's side is timed.
 * - RobustBench's WideResNet-28-10 (36.5 M parameters, batch 4), a model for a GPU: the case
 *   records what one image's PGD-50 costs on a CPU. It needs PyTorch to make the file.
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

interface OnnxPgdSpec {
  id: string;
  metric: string;
  batch: number;
  script: string;
  /** The file without PyTorch, or undefined when the case needs PyTorch. */
  fallback?: (file: string) => void;
  perImageNote?: boolean;
}

/** Write the ONNX file (and time PyTorch) or fall back to the engine's own export. */
function prepare(spec: OnnxPgdSpec, file: string, opts: BenchOptions): TorchTiming | undefined {
  if (torchAvailable()) {
    const script = join(import.meta.dirname, '../pytorch', spec.script);
    const args = [script, file, String(THREADS), String(spec.batch), opts.quick ? '2' : '3'];
    const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`PyTorch side failed: ${r.stderr.trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchTiming;
  }
  if (!spec.fallback)
    throw new Error(`${spec.id} needs PyTorch at ${PYTHON} to write its ONNX file`);
  spec.fallback(file);
  return undefined;
}

function ownResnet18(file: string): void {
  const model = resnetLike([32, 32, 3], 10, { width: 64, blocks: [2, 2, 2, 2] });
  const c = new LayersClassifier(model, {
    name: 'resnet18',
    inputShape: [32, 32, 3],
    numClasses: 10,
  });
  writeFileSync(file, exportClassifierToOnnx(c));
  c.dispose();
}

function onnxPgdCase(spec: OnnxPgdSpec): BenchCase {
  return {
    id: spec.id,
    metric: spec.metric,
    imagesPerRun: () => spec.batch,
    stepsPerRun: () => 1,
    warmup: () => 1,
    repeats: (opts) => (opts.quick ? 2 : 3),
    setup: async (opts) => {
      const dir = mkdtempSync(join(tmpdir(), 'dmat-bench-onnx-'));
      const file = join(dir, 'model.onnx');
      const torch = prepare(spec, file, opts);
      const { classifier } = await importOnnxClassifier(file);
      const logits = frozenForward(classifier.model);
      const n = spec.batch;
      const x = tf.randomUniform([n, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const y = tf.tidy(() =>
        tf.randomUniform([n], 0, 10, 'float32', 4).floor().toInt(),
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
        note: (msPerStep: number) => {
          const perImage = spec.perImageNote
            ? `; one image's PGD-50 costs ${(((msPerStep / n) * 50) / 1000).toFixed(1)} s here`
            : '';
          return torch
            ? `PyTorch ${torch.torch} CPU, ${torch.threads} thread(s), same ONNX weights: ${torch.msPerStep.toFixed(1)} ms/step; engine ÷ PyTorch = ${(msPerStep / torch.msPerStep).toFixed(2)}×${perImage}`
            : `PyTorch not found at ${PYTHON}: the engine side only, on its own export of the same layout${perImage}`;
        },
        dispose: () => {
          tf.dispose([x, y, delta]);
          classifier.dispose();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export const onnxResnet18PgdStep = onnxPgdCase({
  id: 'onnx-resnet18-pgd-step',
  metric: `PGD step, ResNet-18 imported from ONNX (32×32×3), batch ${BATCH}`,
  batch: BATCH,
  script: 'resnet18_pgd.py',
  fallback: ownResnet18,
});

export const onnxWrn2810PgdStep = onnxPgdCase({
  id: 'onnx-wrn-28-10-pgd-step',
  metric: 'PGD step, WideResNet-28-10 imported from ONNX (32×32×3), batch 4',
  batch: 4,
  script: 'wrn28_10_pgd.py',
  perImageNote: true,
});
