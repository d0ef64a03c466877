/**
 * PyTorch measured in the same run as the engine, on the same network and weights: the case's
 * model is exported to ONNX by the engine's exporter and read back by
 * bench/pytorch/same_weights.py with the same thread count. PyTorch runs in two set-ups, each in
 * its own process: "as written" (NCHW, batch norm as a layer, the default allocator: what a
 * user's script does) and "tuned" (batch norm folded for inference, channels_last, and glibc's
 * malloc kept from unmapping PyTorch's buffers between steps, see same_weights.py). The ratio is
 * taken against the faster, so a ratio ≤ 1 means faster than PyTorch at its best.
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
  peakRssByVariant?: Record<string, number>;
}

/** glibc malloc settings of the "tuned" set-up: large blocks stay mapped between steps. */
const TUNED_MALLOC = {
  MALLOC_MMAP_THRESHOLD_: '4000000000',
  MALLOC_TRIM_THRESHOLD_: '4000000000',
  MALLOC_TOP_PAD_: '536870912',
};

function runVariant(args: string[], variant: string): TorchTiming {
  const env = variant === 'tuned' ? { ...process.env, ...TUNED_MALLOC } : process.env;
  const r = spawnSync(PYTHON, [SCRIPT, ...args, variant], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env,
  });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchTiming;
}

/** Run same_weights.py once per set-up (each in its own process) and merge the results. */
export function runTorch(args: string[]): TorchTiming {
  const runs = ['as written', 'tuned'].map((v) => runVariant(args, v));
  return {
    ...runs[0],
    variants: Object.assign({}, ...runs.map((r) => r.variants)) as TorchTiming['variants'],
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    peakRssByVariant: Object.fromEntries(
      runs.map((r) => [Object.keys(r.variants)[0], r.peakRssMb]),
    ),
  };
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
