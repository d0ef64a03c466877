/**
 * PyTorch measured in the same run as the engine, on the same network and weights: the case's
 * model is exported to ONNX by the engine's exporter and read back by
 * bench/pytorch/same_weights.py with the same thread count. PyTorch runs in its two usual CPU
 * set-ups ("as written": NCHW, batch norm as a layer; "tuned": batch norm folded for inference,
 * channels_last) and the ratio is taken against the faster, so a ratio ≤ 1 means faster than
 * PyTorch at its best, not at its most naive.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { LayersClassifier } from '../../src/main/engine/models/classifier';
import { exportClassifierToOnnx } from '../../src/main/engine/models/onnx/export';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../pytorch/same_weights.py');

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
}

export interface TorchVariant {
  msPerStep?: number;
  runsMs?: number[];
  imagesPerSecond?: number;
  cleanAccuracy?: number;
  robustAccuracy?: number;
}

export interface TorchTiming {
  torch: string;
  threads: number;
  variants: Record<string, TorchVariant>;
  peakRssMb: number;
}

/** Run same_weights.py; its last stdout line is the JSON. */
export function runTorch(args: string[]): TorchTiming {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchTiming;
}

/** The engine's ONNX export of a LayersModel, in a temporary folder the caller removes. */
export function exportForTorch(
  model: tf.LayersModel,
  inputShape: [number, number, number],
): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dmat-bench-torch-'));
  const file = join(dir, 'model.onnx');
  const c = new LayersClassifier(model, { name: 'bench', inputShape, numClasses: 10 });
  writeFileSync(file, exportClassifierToOnnx(c));
  return { file, dir };
}

/** PyTorch's median ms for one step ('pgd-step' or 'train-step') of the model. */
export function torchStepTiming(
  mode: 'pgd-step' | 'train-step',
  model: tf.LayersModel,
  inputShape: [number, number, number],
  threads: number,
  batch: number,
  quick: boolean,
): TorchTiming | undefined {
  if (!torchAvailable()) return undefined;
  const { file, dir } = exportForTorch(model, inputShape);
  try {
    return runTorch([mode, file, String(threads), String(batch), '3', quick ? '3' : '9']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The faster PyTorch set-up by a metric (lower is better for ms, higher for images/s). */
export function fastest(
  t: TorchTiming,
  metric: 'msPerStep' | 'imagesPerSecond',
): { name: string; value: number } {
  const entries = Object.entries(t.variants).map(([name, v]) => ({ name, value: v[metric]! }));
  entries.sort((a, b) => (metric === 'msPerStep' ? a.value - b.value : b.value - a.value));
  return entries[0];
}

/** "PyTorch 1.13 CPU, 1 thread(s), same weights: as written 240 ms, tuned 143 ms; engine ÷ fastest = 0.91×" */
export function stepRatioNote(t: TorchTiming | undefined, msPerStep: number): string {
  if (!t) return `PyTorch not found at ${PYTHON} (with onnx): the engine side only`;
  const parts = Object.entries(t.variants).map(([n, v]) => `${n} ${v.msPerStep!.toFixed(1)} ms`);
  const best = fastest(t, 'msPerStep');
  return `PyTorch ${t.torch} CPU, ${t.threads} thread(s), same weights: ${parts.join(', ')}; engine ÷ PyTorch (${best.name}) = ${(msPerStep / best.value).toFixed(2)}×`;
}
