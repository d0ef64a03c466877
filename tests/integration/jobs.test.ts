import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/shared/api';
import { BUILTIN_SUITES } from '../../src/main/engine/audit/suites';
import type { AuditJobParams } from '../../src/main/jobs/audit-job';
import { JobCancelledError, JobFailedError, JobRunner } from '../../src/main/jobs/runner';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { createApi } from '../../src/main/api/index';
import { openStore, type Store } from '../../src/main/store/index';
import { auditFixture, type AuditFixture } from '../helpers/audit-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'dmat-jobs-'));
const dbPath = join(dir, 'dmat.sqlite');
let store: Store;
let fx: AuditFixture;

beforeAll(async () => {
  await initBackend();
  fx = await auditFixture();
  store = openStore(dbPath);
});

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('job runner', () => {
  it('runs a job in its own process and relays progress, metrics, logs and the result', async () => {
    const runner = new JobRunner({ store, persistProgressEveryMs: 0 });
    const events: JobEvent[] = [];
    runner.onEvent((e) => events.push(e));
    const job = await runner.start<{ echo: unknown; pid: number }>('probe', { steps: 3 });
    const result = await job.done;
    expect(result.echo).toEqual({ steps: 3 });
    expect(result.pid).not.toBe(process.pid);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'progress')).toHaveLength(3);
    expect(types.filter((t) => t === 'metrics')).toHaveLength(3);
    expect(types).toContain('log');
    expect(types.at(-1)).toBe('done');
    const last = events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ progress: { done: 3, total: 3, unit: 'steps' } });
    // Persisted: the job row and its events.
    expect(store.jobs.get(job.jobId)).toMatchObject({ status: 'done', progress: { done: 3 } });
    const stored = store.jobs.events(job.jobId).map((e) => e.type);
    expect(stored.filter((t) => t === 'metrics')).toHaveLength(3);
    expect(stored.at(-1)).toBe('done');
  });

  it('reports a failing job as an error event with its message', async () => {
    const runner = new JobRunner({ store });
    const job = await runner.start('probe', { steps: 1, fail: 'weights are not finite' });
    await expect(job.done).rejects.toBeInstanceOf(JobFailedError);
    await expect(job.done).rejects.toThrow('weights are not finite');
    expect(store.jobs.get(job.jobId)).toMatchObject({
      status: 'failed',
      error: 'weights are not finite',
    });
  });

  it('reports a process that dies as failed', async () => {
    const runner = new JobRunner({ store });
    const job = await runner.start('probe', { steps: 5, crashAt: 2 });
    await expect(job.done).rejects.toThrow('the job process ended unexpectedly (exit code 3)');
  });

  it('cancels cleanly, and kills a job that does not stop in time', async () => {
    const runner = new JobRunner({ store, killAfterMs: 300 });
    const polite = await runner.start('probe', { steps: 1000, stepMs: 20 });
    await new Promise<void>((r) => runner.onEvent((e) => e.type === 'progress' && r()));
    await polite.cancel();
    await expect(polite.done).rejects.toBeInstanceOf(JobCancelledError);
    expect(store.jobs.get(polite.jobId).status).toBe('cancelled');

    const stubborn = await runner.start('probe', { steps: 1000, stepMs: 20, ignoreCancel: true });
    const t0 = Date.now();
    await stubborn.cancel();
    await expect(stubborn.done).rejects.toBeInstanceOf(JobCancelledError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(() => process.kill(stubborn.pid!, 0)).toThrow();
  });
});

describe('audit split across processes', () => {
  it('gives exactly the per-sample outcomes of one process with the same seed', async () => {
    const model = store.models.insert({
      kind: 'classifier',
      name: 'fixture-mlp',
      path: fx.classifierFolder,
      format: 'layers',
      inputShape: [28, 28, 1],
      numClasses: 4,
      classNames: [],
      preprocessing: null,
      latentShape: null,
      architecture: null,
      sha256: 'x',
      sizeBytes: 0,
      builtin: false,
      sourceRunId: null,
      provenance: {},
    });
    const dataset = store.datasets.insert({
      name: 'tiny-om',
      kind: 'on-manifold',
      path: fx.datasetFolder,
      imageShape: [28, 28, 1],
      latentShape: [8],
      numClasses: 4,
      classNames: [],
      splits: [],
      generatorModelId: null,
      sha256: 'y',
      sizeBytes: 0,
      builtin: false,
      quality: {},
      provenance: {},
    });
    const runner = new JobRunner({ store });
    const runAudit = async (workers: number) => {
      const setup = {
        modelPath: fx.classifierFolder,
        datasetPath: fx.datasetFolder,
        suite: BUILTIN_SUITES.quick,
        split: 'test' as const,
        images: 'on-manifold' as const,
        samples: 48,
        seed: 11,
        batchSize: 16,
        galleryPerAttack: 1,
      };
      const audit = store.audits.insert({
        modelId: model.id,
        modelName: model.name,
        datasetId: dataset.id,
        datasetName: dataset.name,
        suite: setup.suite,
        split: 'test',
        images: 'on-manifold',
        samples: 48,
        seed: 11,
        batchSize: 16,
        workers,
      });
      const params: AuditJobParams = { auditId: audit.id, dbPath, setup, workers };
      const progress: number[] = [];
      const job = await runner.start('audit', params, {
        targetId: audit.id,
        onEvent: (e) => e.type === 'progress' && progress.push(e.progress.attacksDone ?? 0),
      });
      await job.done;
      return { id: audit.id, progress };
    };
    const one = await runAudit(1);
    const two = await runAudit(2);
    const a = store.outcomes.load(one.id);
    const b = store.outcomes.load(two.id);
    expect(a.sampleIndices).toHaveLength(48);
    expect(b).toEqual(a);
    const da = store.auditDetail(one.id);
    const db = store.auditDetail(two.id);
    expect(db.status).toBe('done');
    expect(db.worstCaseAccuracy).toBe(da.worstCaseAccuracy);
    expect(db.attacks.map((x) => x.accuracy)).toEqual(da.attacks.map((x) => x.accuracy));
    expect(db.reproducibility).toMatchObject({ workers: 2, seed: 11, samples: 48 });
    expect(two.progress.at(-1)).toBe(3);
    expect(Math.max(...one.progress)).toBe(3);
  });
});

describe('audits through the API', () => {
  it('keeps the attacks a cancelled audit finished as a partial result, which Resume completes', async () => {
    const home = join(dir, 'api-partial-home');
    const api = createApi({ home, resourcesDir: join(dir, 'no-resources') });
    try {
      const input = {
        modelId: fx.classifierFolder,
        datasetId: fx.datasetFolder,
        suite: {
          name: 'partial',
          attacks: [{ preset: 'fgsm' }, { preset: 'fog' }, { preset: 'mia-50' }],
        },
        samples: 32,
        batchSize: 8,
        workers: 1,
      };
      const ref = await api.startAudit(input);
      // Cancel once the first attack has finished on every sample.
      await new Promise<void>((resolve) =>
        api.onJobEvent(
          (e) =>
            e.jobId === ref.jobId &&
            e.type === 'progress' &&
            (e.progress.attacksDone ?? 0) >= 1 &&
            resolve(),
        ),
      );
      await api.cancelAudit({ id: ref.targetId });
      const partial = await api.getAudit({ id: ref.targetId });
      expect(partial.status).toBe('cancelled');
      expect(partial.attacks.length).toBeGreaterThanOrEqual(1);
      expect(partial.attacks.length).toBeLessThan(3);
      expect(partial.standardAccuracy).not.toBeNull();
      expect(partial.worstCaseAccuracy).toBeNull();
      expect(partial.error).toMatch(/partial result, \d of 3 attacks finished/);
      for (const a of partial.attacks) expect(a.total).toBe(32);

      // Resumed, it ends as the uninterrupted audit would, the partial rows replaced.
      const resumed = await api.resumeAudit({ id: ref.targetId });
      const end = await new Promise<string>((resolve) =>
        api.onJobEvent(
          (e) =>
            e.jobId === resumed.jobId &&
            (e.type === 'done' || e.type === 'error') &&
            resolve(e.type === 'error' ? e.message : e.type),
        ),
      );
      expect(end).toBe('done');
      const done = await api.getAudit({ id: ref.targetId });
      expect(done.status).toBe('done');
      expect(done.attacks).toHaveLength(3);
      for (const a of partial.attacks) {
        expect(done.attacks.find((x) => x.key === a.key)!.correct).toBe(a.correct);
      }
      expect(done.standardAccuracy).toBe(partial.standardAccuracy);
    } finally {
      await api.close();
    }
  });

  it('starts an audit job, and a cancelled one is stored as cancelled', async () => {
    const home = join(dir, 'api-home');
    const api = createApi({ home, resourcesDir: join(dir, 'no-resources') });
    try {
      const ref = await api.startAudit({
        modelId: fx.classifierFolder,
        datasetId: fx.datasetFolder,
        suite: 'paper',
        samples: 64,
        batchSize: 8,
      });
      expect(ref.kind).toBe('audit');
      expect((await api.getAudit({ id: ref.targetId })).status).toMatch(/queued|running/);
      await new Promise<void>((resolve) =>
        api.onJobEvent((e) => e.jobId === ref.jobId && e.type === 'progress' && resolve()),
      );
      await api.cancelAudit({ id: ref.targetId });
      const audit = await api.getAudit({ id: ref.targetId });
      expect(audit.status).toBe('cancelled');
      // Attacks that finished before the cancel arrived are kept, marked as a partial result.
      if (audit.attacks.length > 0) expect(audit.error).toMatch(/partial result/);
      expect(audit.attacks.length).toBeLessThan(12);
      expect(audit.worstCaseAccuracy).toBeNull();
      expect(api.store.jobs.get(ref.jobId).status).toBe('cancelled');
      await expect(api.cancelAudit({ id: ref.targetId })).rejects.toMatchObject({
        code: 'conflict',
      });
    } finally {
      await api.close();
    }
  });
});
