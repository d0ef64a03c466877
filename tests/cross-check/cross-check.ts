/**
 * The product's attacks against the independent PyTorch references of tests/cross-check/pyref:
 * the same model folder, the same images, the same budgets (read from the product's own resolved
 * presets), each side with its own randomness. Used by the standing cross-check test and by
 * compare-audit.ts, which puts a stored audit's numbers beside the references' on its images.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { AttackBase } from '../../src/main/engine/attacks/base';
import type { ResolvedSuiteAttack } from '../../src/main/engine/audit/suites';
import { ndarray } from '../../src/main/engine/data/ndarray';
import { writeNpy } from '../../src/main/engine/data/npy';
import { PYTHON_PATH } from '../../scripts/test-prerequisites';

const run = promisify(execFile);
export const CROSS_CHECK_DIR = path.dirname(new URL(import.meta.url).pathname);

/** One attack of a reference run (see run_references.py). */
export interface ReferenceAttack {
  key: string;
  fn: string;
  eps: number;
  step?: number;
  steps: number;
  options?: Record<string, string | number | boolean>;
}

export interface ReferenceResult {
  clean: { correct: boolean[] };
  /** Clean logits of the first samples, to check both sides run the same network. */
  logits: number[][];
  [key: string]: { correct: boolean[]; accuracy?: number; seconds?: number } | number[][];
}

/** Reference function for each product attack family (the references' names). */
const REFERENCE_FN: Record<string, (options: Record<string, unknown>) => string> = {
  fgsm: (o) => (o.randomStart ? 'fgsm-rs' : 'fgsm'),
  'pgd-linf': () => 'pgd-linf',
  mia: () => 'mia',
  'pgd-l2': () => 'pgd-l2',
  'apgd-ce': () => 'apgd-ce',
  gabor: () => 'gabor',
  fog: () => 'fog',
  snow: () => 'snow',
  elastic: () => 'elastic',
  'jpeg-l1': () => 'jpeg-l1',
  'l1-fw': () => 'l1-fw',
};

/** The reference attack for a resolved suite attack, with the budget the product runs. */
export function referenceAttack(a: ResolvedSuiteAttack): ReferenceAttack {
  const fn = REFERENCE_FN[a.preset.attackId];
  if (!fn) throw new Error(`${a.key}: no PyTorch reference for attack "${a.preset.attackId}"`);
  if (!(a.attack instanceof AttackBase)) throw new Error(`${a.key}: not an engine attack`);
  const budget = a.attack.resolve(a.budget);
  const options: Record<string, string | number | boolean> = {};
  if (a.preset.attackId === 'gabor') options.support = String(a.options.support ?? 'complement');
  if (a.preset.attackId === 'mia') options.momentum = Number(a.options.momentum ?? 1);
  return {
    key: a.key,
    fn: fn(a.options),
    eps: budget.eps,
    step: budget.stepSize,
    steps: budget.steps,
    options,
  };
}

export async function writeImages(
  dir: string,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
): Promise<{ images: string; labels: string }> {
  const images = path.join(dir, 'images.npy');
  const labels = path.join(dir, 'labels.npy');
  await writeNpy(images, ndarray('float32', x.shape, (await x.data()) as Float32Array));
  await writeNpy(labels, ndarray('int32', y.shape, Int32Array.from(await y.data())));
  return { images, labels };
}

/** Run the references (run_references.py) on the images of `spec`. */
export async function runReferences(
  dir: string,
  spec: {
    model: string;
    images: string;
    labels: string;
    seed: number;
    batch: number;
    attacks: ReferenceAttack[];
  },
  opts: { timeoutMs?: number } = {},
): Promise<ReferenceResult> {
  const specFile = path.join(dir, 'reference-spec.json');
  const outFile = path.join(dir, 'reference-out.json');
  writeFileSync(specFile, JSON.stringify(spec));
  await run(PYTHON_PATH, [path.join(CROSS_CHECK_DIR, 'run_references.py'), specFile, outFile], {
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(readFileSync(outFile, 'utf8')) as ReferenceResult;
}

/** Robust accuracy of a reference attack (right on the clean image and under the attack). */
export function referenceAccuracy(r: ReferenceResult, key: string): number {
  const entry = r[key] as { correct: boolean[] } | undefined;
  if (!entry || !Array.isArray(entry.correct)) throw new Error(`no reference result for ${key}`);
  return entry.correct.filter(Boolean).length / entry.correct.length;
}
