/**
 * The engine's side of audit-pgd50, run as its own process so that its peak resident memory is
 * its own: the shipped Normal classifier, the first 1,000 test records of the shipped dataset
 * (g(w), what `dmat audit` attacks by default), clean accuracy then PGD-50 at the dataset's budget
 * (the shipped suite's PGD-50 row) through the engine's attack and the classifier's attack view (as the audit runs it),
 * in batches of 100 (the audit's default) split over THREADS threads, as `--workers` splits
 * an audit's samples.
 *
 *   node bin/run-ts.mjs bench/cases/audit-pgd50-process.ts THREADS        → one JSON line
 *   node bin/run-ts.mjs bench/cases/audit-pgd50-process.ts --write DIR    → images for PyTorch
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { PgdLinf } from '../../src/main/engine/attacks/pgd';
import { attackModels } from '../../src/main/engine/models/attack-view';
import { loadClassifier } from '../../src/main/engine/models/load';
import { startTypeScriptThread } from '../../src/main/engine/parallel/worker-launch';
import { shardSizes } from '../../src/main/engine/parallel/replica-group';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { loadSplit, openDataset } from '../../src/main/engine/training/dataset';

import { AUDIT_DATA, AUDIT_MODEL, AUDIT_SAMPLES, ROOT } from './audit-pgd50';

const BATCH = 100;

export interface AuditSpec {
  n: number;
  shape: number[];
  eps: number;
  stepSize: number;
  steps: number;
  batch: number;
}

/** The shipped suite's PGD-50 budget (ε and α in [0,1] px). */
function pgd50Budget(): { eps: number; stepSize: number; steps: number } {
  const suite = JSON.parse(
    readFileSync(join(ROOT, 'resources/suites/om-fashion-mnist.json'), 'utf8'),
  ) as { attacks: { preset: string; eps?: number; stepSize?: number }[] };
  const row = suite.attacks.find((a) => a.preset === 'pgd-50');
  if (!row?.eps || !row.stepSize) throw new Error('the shipped suite has no PGD-50 row');
  return { eps: row.eps, stepSize: row.stepSize, steps: 50 };
}

interface Shard {
  images: Float32Array;
  labels: Int32Array;
  shape: [number, number, number];
  offset: number;
}

async function loadRecords(): Promise<Shard> {
  const ds = await openDataset(AUDIT_DATA);
  const split = await loadSplit(ds, 'test');
  const { images, labels, imageShape } = split.onManifold.arrays;
  const size = imageShape.reduce((a, b) => a * b, 1);
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(AUDIT_SAMPLES * size);
  for (let i = 0; i < out.length; i++) out[i] = images[i] * scale;
  return {
    images: out,
    labels: Int32Array.from(labels.subarray(0, AUDIT_SAMPLES)),
    shape: imageShape as [number, number, number],
    offset: 0,
  };
}

/** Clean and PGD-50 correct counts over one shard. */
async function attackShard(
  shard: Shard,
  ready: () => Promise<void>,
): Promise<{ clean: number; robust: number }> {
  const { model: classifier } = await loadClassifier(AUDIT_MODEL);
  const { classifier: view } = attackModels(classifier);
  const attack = new PgdLinf('PGD-50');
  const budget = pgd50Budget();
  const n = shard.labels.length;
  const size = shard.shape.reduce((a, b) => a * b, 1);
  await ready();
  let clean = 0;
  let robust = 0;
  for (let s = 0; s < n; s += BATCH) {
    const k = Math.min(BATCH, n - s);
    const x = tf.tensor4d(shard.images.subarray(s * size, (s + k) * size), [k, ...shard.shape]);
    const y = tf.tensor1d(shard.labels.subarray(s, s + k), 'int32');
    const predicted = tf.tidy(() => view.logits(x).argMax(1).dataSync());
    for (let i = 0; i < k; i++) if (predicted[i] === shard.labels[s + i]) clean++;
    const r = await attack.attack({ classifier: view }, { x, y }, budget, {
      seed: shard.offset + s,
    });
    robust += r.success.filter((ok) => !ok).length;
    tf.dispose([x, y, r.xAdv, r.wAdv]);
  }
  classifier.dispose();
  return { clean, robust };
}

function reply(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function main(argv: string[]): Promise<void> {
  await initBackend();
  const records = await loadRecords();
  if (argv[0] === '--write') {
    const dir = argv[1];
    writeFileSync(join(dir, 'images.f32'), records.images);
    writeFileSync(join(dir, 'labels.i32'), records.labels);
    const spec: AuditSpec & { images: string; labels: string } = {
      n: AUDIT_SAMPLES,
      shape: records.shape,
      ...pgd50Budget(),
      batch: BATCH,
      images: join(dir, 'images.f32'),
      labels: join(dir, 'labels.i32'),
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    return;
  }
  const threads = Number(argv[0] ?? 1);
  const sizes = shardSizes(AUDIT_SAMPLES, threads);
  const size = records.shape.reduce((a, b) => a * b, 1);
  const shards = sizes.map((k, r) => {
    const offset = sizes.slice(0, r).reduce((a, b) => a + b, 0);
    return {
      images: records.images.slice(offset * size, (offset + k) * size),
      labels: records.labels.slice(offset, offset + k),
      shape: records.shape,
      offset,
    };
  });
  const self = fileURLToPath(import.meta.url);
  const workers = shards.slice(1).map((shard) => startTypeScriptThread(self, shard));
  // Every thread loads its model first; the clock starts when all are ready.
  const readies = workers.map(reply);
  let release!: () => void;
  const go = new Promise<void>((r) => (release = r));
  const own = attackShard(shards[0], () => go);
  await Promise.all(readies);
  const t0 = performance.now();
  const results = workers.map(reply);
  for (const w of workers) w.postMessage('run');
  release();
  const counts = [
    await own,
    ...((await Promise.all(results)) as { clean: number; robust: number }[]),
  ];
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  const clean = counts.reduce((a, c) => a + c.clean, 0);
  const robust = counts.reduce((a, c) => a + c.robust, 0);
  console.log(
    JSON.stringify({
      threads,
      backend: tf.getBackend(),
      seconds,
      imagesPerSecond: AUDIT_SAMPLES / seconds,
      cleanAccuracy: clean / AUDIT_SAMPLES,
      robustAccuracy: robust / AUDIT_SAMPLES,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

if (isMainThread) {
  await main(process.argv.slice(2));
} else {
  await initBackend();
  const shard = workerData as Shard;
  let release!: () => void;
  const go = new Promise<void>((r) => (release = r));
  parentPort!.once('message', () => release());
  const counts = attackShard(shard, async () => {
    parentPort!.postMessage('ready');
    await go;
  });
  parentPort!.postMessage(await counts);
}
