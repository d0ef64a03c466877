import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mkdtempSync,
  rmSync,
  existsSync,
  readFileSync,
  writeFileSync,
  mkdirSync,
  copyFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { trainJob } from '../../src/main/jobs/train-job';
import type { JobContext } from '../../src/main/jobs/messages';
import type { TrainJobParams } from '../../src/main/api/runs';
import { openStore, type Store } from '../../src/main/store/index';
import type { MetricPoint, TrainingConfig } from '../../src/shared/api';
import { onManifoldDatasetFolder } from '../helpers/fixtures';
import { Library } from '../../src/main/api/library';

let home: string;
let store: Store;
let datasetPath: string;

const config: TrainingConfig = {
  method: 'dmat',
  datasetId: 'fixture',
  architecture: 'small-cnn',
  width: 4,
  epochs: 2,
  batchSize: 32,
  samples: 128,
  lrKnots: [
    { epoch: 0, value: 0.05 },
    { epoch: 2, value: 0.01 },
  ],
  momentum: 0.9,
  weightDecay: 5e-4,
  imageAttack: { eps: 0.1, stepSize: 0.05, steps: 2 },
  latentAttack: { eps: 0.2, stepSize: 0.1, steps: 2, kind: 'om-pgd' },
  validationSamples: 16,
  seed: 4,
};

function context(params: TrainJobParams, onMetrics: (p: MetricPoint[], abort: () => void) => void) {
  const controller = new AbortController();
  const ctx: JobContext<TrainJobParams> = {
    jobId: 'job-test',
    params,
    signal: controller.signal,
    progress: () => undefined,
    metrics: (points) => onMetrics(points, () => controller.abort()),
    log: () => undefined,
  };
  return ctx;
}

/** Everything stored for a run except wall-clock figures, in a stable order. */
function history(runId: string) {
  return store.runMetrics
    .list(runId)
    .filter((p) => p.name !== 'imagesPerSecond' && p.name !== 'epochSeconds')
    .map(({ at: _at, ...p }) => p);
}

beforeAll(async () => {
  await initBackend();
  home = mkdtempSync(path.join(os.tmpdir(), 'dmat-train-job-'));
  store = openStore(path.join(home, 'dmat.sqlite'));
  datasetPath = await onManifoldDatasetFolder({ train: 128, test: 64, storeGw: false });
  const dataset = await new Library(store, home, path.join(home, 'resources')).registerDataset(
    datasetPath,
  );
  config.datasetId = dataset.id;
});
afterAll(() => {
  store.close();
  rmSync(home, { recursive: true, force: true });
});

describe('train job', () => {
  it('a run cancelled mid-epoch and resumed stores exactly the uninterrupted history', async () => {
    const params = (runId: string, resume: boolean): TrainJobParams => ({
      runId,
      dbPath: path.join(home, 'dmat.sqlite'),
      home,
      datasetPath,
      resume,
    });
    const straight = store.runs.insert({ name: 'straight', datasetName: 'tiny-om', config });
    const done = await trainJob(context(params(straight.id, false), () => undefined));
    expect(done.cancelled).toBe(false);
    const stored = store.runs.get(straight.id);
    expect([stored.status, stored.epochsDone, stored.modelId]).toEqual(['done', 2, done.modelId]);
    const model = store.models.get(done.modelId!);
    expect(model.sourceRunId).toBe(straight.id);
    expect(existsSync(path.join(model.path, 'model.json'))).toBe(true);

    // Cancel after step 5 (in epoch 2 of 4 steps each), then resume.
    const broken = store.runs.insert({ name: 'broken', datasetName: 'tiny-om', config });
    const first = await trainJob(
      context(params(broken.id, false), (points, abort) => {
        if (points.some((p) => p.scope === 'step' && p.step === 5)) abort();
      }),
    );
    expect(first.cancelled).toBe(true);
    expect(store.runs.get(broken.id).status).toBe('cancelled');
    expect(store.checkpoints.latest(broken.id)?.step).toBe(5);
    const second = await trainJob(context(params(broken.id, true), () => undefined));
    expect(second.cancelled).toBe(false);

    const a = history(straight.id);
    const b = history(broken.id);
    // One row per step and metric: 8 steps × (loss, lr) + 2 epochs × (trainLoss, clean, PGD, OM-PGD).
    expect(a).toHaveLength(8 * 2 + 2 * 4);
    expect(b).toEqual(a);
    const { epochSeconds: _s1, ...lastB } = store.runs.get(broken.id).lastMetrics;
    const { epochSeconds: _s2, ...lastA } = stored.lastMetrics;
    expect(lastB).toEqual(lastA);
    expect(Object.keys(lastA).sort()).toEqual(['cleanAcc', 'omPgdAcc', 'pgdAcc', 'trainLoss']);
  });

  it('fails with a message naming the problem and marks the run failed', async () => {
    const bad = store.runs.insert({
      name: 'bad',
      datasetName: 'tiny-om',
      config: { ...config, architecture: 'no-such-net' },
    });
    await expect(
      trainJob(
        context(
          {
            runId: bad.id,
            dbPath: path.join(home, 'dmat.sqlite'),
            home,
            datasetPath,
            resume: false,
          },
          () => undefined,
        ),
      ),
    ).rejects.toThrow(/architecture "no-such-net" is not built in; use one of small-cnn/);
    expect(store.runs.get(bad.id).status).toBe('failed');
  });

  it('trains Normal on a natural-only dataset (no generator, no latent codes)', async () => {
    // The same records with x and y only, as a dataset of natural images is stored.
    const natural = path.join(home, 'natural');
    const m = JSON.parse(readFileSync(path.join(datasetPath, 'manifest.json'), 'utf8'));
    m.generator = null;
    m.latentShape = null;
    for (const split of Object.values(m.splits) as { files: Record<string, { path: string }> }[]) {
      for (const k of Object.keys(split.files)) {
        if (k !== 'x' && k !== 'y') delete split.files[k];
        else {
          mkdirSync(path.dirname(path.join(natural, split.files[k].path)), { recursive: true });
          copyFileSync(
            path.join(datasetPath, split.files[k].path),
            path.join(natural, split.files[k].path),
          );
        }
      }
    }
    writeFileSync(path.join(natural, 'manifest.json'), JSON.stringify(m));
    const run = store.runs.insert({
      name: 'natural',
      datasetName: 'tiny-natural',
      config: { ...config, method: 'normal', latentAttack: undefined, epochs: 1 },
    });
    const done = await trainJob(
      context(
        {
          runId: run.id,
          dbPath: path.join(home, 'dmat.sqlite'),
          home,
          datasetPath: natural,
          resume: false,
        },
        () => undefined,
      ),
    );
    expect(done.cancelled).toBe(false);
    const stored = store.runs.get(run.id);
    expect(stored.status).toBe('done');
    expect(Number.isFinite(stored.lastMetrics.trainLoss)).toBe(true);
    expect(stored.lastMetrics.cleanAcc).toBeGreaterThanOrEqual(0);
    expect(existsSync(path.join(store.models.get(done.modelId!).path, 'model.json'))).toBe(true);
    expect(stored.lastMetrics.omPgdAcc).toBeUndefined();
  });
});
