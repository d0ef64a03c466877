import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type {
  DmatApi,
  DmatCallInput,
  StartAuditInput,
  WorstCaseResult,
} from '../../src/shared/api';
import { apiInputSchemas, DMAT_CALLS, parseApiInput } from '../../src/shared/api-schemas';
import { createApi, type DmatApiHandle } from '../../src/main/api/index';
import type { AuditOutcomes } from '../../src/main/engine/audit/outcomes';
import { readDataset } from '../../src/main/engine/data/dataset';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { PNG } from 'pngjs';
import { onManifoldDatasetFolder } from '../helpers/fixtures';

const home = mkdtempSync(join(tmpdir(), 'dmat-api-'));
const resources = join(home, 'no-resources');
let api: DmatApiHandle;
let auditId: string;

// Four samples, two attacks: robust under both only samples 0 and 3.
const outcomes: AuditOutcomes = {
  sampleIndices: [0, 1, 2, 3],
  labels: [1, 2, 3, 0],
  cleanPredicted: [1, 2, 3, 0],
  cleanCorrect: [true, true, true, true],
  attacks: [
    {
      key: 'A',
      correct: [true, false, true, true],
      predicted: [1, 0, 3, 0],
      perturbationNorm: [0.01, 0.01, 0.01, 0.01],
    },
    {
      key: 'B',
      correct: [true, true, false, true],
      predicted: [1, 2, 0, 0],
      perturbationNorm: [0.02, 0.02, 0.02, 0.02],
    },
  ],
};

beforeAll(() => {
  mkdirSync(resources);
  api = createApi({ home, resourcesDir: resources });
  const s = api.store;
  const model = s.models.insert({
    kind: 'classifier',
    name: 'm',
    path: '/m',
    format: 'layers',
    inputShape: [28, 28, 1],
    numClasses: 4,
    classNames: [],
    preprocessing: null,
    latentShape: null,
    architecture: null,
    sha256: 'a',
    sizeBytes: 1,
    builtin: true,
    sourceRunId: null,
    provenance: {},
  });
  const dataset = s.datasets.insert({
    name: 'd',
    kind: 'on-manifold',
    path: '/d',
    imageShape: [28, 28, 1],
    latentShape: [8],
    numClasses: 4,
    classNames: [],
    splits: [],
    generatorModelId: null,
    sha256: 'b',
    sizeBytes: 1,
    builtin: false,
    quality: {},
    provenance: {},
  });
  const audit = s.audits.insert({
    modelId: model.id,
    modelName: 'm',
    datasetId: dataset.id,
    datasetName: 'd',
    suite: {
      name: 'custom',
      attacks: [
        { preset: 'fgsm', label: 'A' },
        { preset: 'pgd-5', label: 'B' },
      ],
    },
    split: 'test',
    images: 'on-manifold',
    samples: 4,
    seed: 0,
    batchSize: 4,
    workers: 1,
  });
  const attack = (key: string, correct: number) => ({
    key,
    preset: 'fgsm',
    attackId: 'fgsm',
    name: key,
    family: 'seen' as const,
    space: 'image' as const,
    budget: { eps: 4 / 255, unit: 'pixel [0,1]' as const, norm: 'linf' },
    accuracy: correct / 4,
    correct,
    total: 4,
    timeMs: 1,
    imagesPerSecond: 4000,
    meanPerturbationNorm: 0.01,
    maxPerturbationNorm: 0.01,
  });
  s.saveAuditResults(audit.id, {
    standardAccuracy: 1,
    worstCaseAccuracy: 0.5,
    durationMs: 5,
    attacks: [attack('A', 3), attack('B', 3)],
    outcomes,
  });
  auditId = audit.id;
});

afterAll(async () => {
  await api.close();
  rmSync(home, { recursive: true, force: true });
});

describe('API contract', () => {
  it('has one input schema per call, and nothing else', () => {
    const calls = new Set(DMAT_CALLS);
    expect(calls.has('startAudit')).toBe(true);
    expect(calls.has('onJobEvent' as never)).toBe(false);
    expect(Object.keys(apiInputSchemas).sort()).toEqual([...calls].sort());
    expectTypeOf<DmatCallInput<'startAudit'>>().toEqualTypeOf<StartAuditInput>();
    expectTypeOf<Awaited<ReturnType<DmatApi['worstCase']>>>().toEqualTypeOf<WorstCaseResult>();
  });

  it('rejects bad input naming the call and the field', () => {
    expect(() =>
      parseApiInput('startAudit', { modelId: 'm', datasetId: 'd', suite: 'quick', samples: -3 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[ApiInputError: startAudit: samples: expected a number > 0]`,
    );
    expect(() =>
      parseApiInput('startAudit', {
        modelId: 'm',
        datasetId: 'd',
        suite: { name: 's', attacks: [{ preset: 'fgsm', eps: 'big' }] },
      }),
    ).toThrow(/startAudit: suite/);
    expect(() => parseApiInput('getAudit', { id: 'x', extra: 1 })).toThrow(/Unrecognized key/);
    try {
      parseApiInput('worstCase', { auditId: 'a', attackKeys: 'A' });
    } catch (err) {
      expect((err as { field: string }).field).toBe('attackKeys');
      expect((err as { code: string }).code).toBe('invalid-input');
    }
  });
});

describe('API over the store', () => {
  it('recomputes the worst case over any subset of attacks', async () => {
    expect(await api.worstCase({ auditId, attackKeys: ['A', 'B'] })).toMatchObject({
      robust: 2,
      total: 4,
      accuracy: 0.5,
    });
    expect(await api.worstCase({ auditId, attackKeys: ['A'] })).toMatchObject({ robust: 3 });
    expect(await api.worstCase({ auditId, attackKeys: [] })).toMatchObject({ robust: 4 });
    await expect(api.worstCase({ auditId, attackKeys: ['C'] })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'attack "C" is not part of this audit; known: A, B',
    });
  });

  it('pages per-sample outcomes and filters the failures', async () => {
    const all = await api.getSampleOutcomes({ auditId, limit: 2 });
    expect(all.total).toBe(4);
    expect(all.samples.map((s) => s.sampleIndex)).toEqual([0, 1]);
    expect(all.samples[1].attacks).toEqual([
      { attackKey: 'A', correct: false, predicted: 0, perturbationNorm: 0.01 },
      { attackKey: 'B', correct: true, predicted: 2, perturbationNorm: 0.02 },
    ]);
    const failures = await api.getSampleOutcomes({ auditId, onlyFailures: true });
    expect(failures.samples.map((s) => [s.sampleIndex, s.worstCaseCorrect])).toEqual([
      [1, false],
      [2, false],
    ]);
    const onlyB = await api.getSampleOutcomes({ auditId, attackKeys: ['B'] });
    expect(onlyB.samples.map((s) => s.worstCaseCorrect)).toEqual([true, true, false, true]);
  });

  it('reads audits, lists suites and presets with units', async () => {
    const detail = await api.getAudit({ id: auditId });
    expect(detail.attacks.map((a) => a.key)).toEqual(['A', 'B']);
    expect((await api.listAudits()).map((a) => a.id)).toEqual([auditId]);
    const suites = await api.listSuites();
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['quick', 'paper']));
    const quick = suites.find((s) => s.name === 'quick')!;
    expect(quick.attacks.every((a) => a.resolved.budget.unit.length > 0)).toBe(true);
    const presets = await api.listAttackPresets();
    expect(presets.find((p) => p.id === 'om-pgd-50')?.budget).toMatchObject({
      eps: 0.02,
      unit: 'latent',
    });
    await expect(
      api.validateSuite({ suite: { name: 'x', attacks: [{ preset: 'nope' }] } }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('saves a suite by name into the user suite folder, checked first, and runs it by name', async () => {
    const suite = {
      name: 'my-fgsm',
      attacks: [{ preset: 'fgsm', eps: 0.05 }],
      sweeps: [{ preset: 'fgsm', eps: [0, 0.05, 0.1] }],
    };
    const saved = await api.saveSuite({ suite });
    expect(saved.name).toBe('my-fgsm');
    expect(JSON.parse(readFileSync(join(home, 'suites', 'my-fgsm.json'), 'utf8'))).toEqual(suite);
    expect((await api.listSuites()).map((s) => s.name)).toContain('my-fgsm');
    await expect(api.saveSuite({ suite })).rejects.toMatchObject({ code: 'conflict' });
    expect((await api.saveSuite({ suite, overwrite: true })).name).toBe('my-fgsm');
    await expect(api.saveSuite({ suite: { ...suite, name: 'quick' } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('built-in'),
    });
    await expect(api.saveSuite({ suite: { ...suite, name: '../escape' } })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    await expect(
      api.saveSuite({ suite: { name: 'bad', attacks: [{ preset: 'nope' }] } }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
    expect(existsSync(join(home, 'suites', 'bad.json'))).toBe(false);
    // "constructor" is an ordinary name, not a built-in suite.
    expect((await api.saveSuite({ suite: { ...suite, name: 'constructor' } })).name).toBe(
      'constructor',
    );
  });

  it('refuses to remove a built-in model and reports unknown ids as not found', async () => {
    const builtin = (await api.listModels()).find((m) => m.builtin)!;
    await expect(api.removeModel({ id: builtin.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(api.getAudit({ id: 'aud_missing' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'audit "aud_missing" not found',
    });
    await expect(api.importModel({ path: join(home, 'nothing-here') })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    // The same weights again, from another folder, are named rather than added twice.
    const shipped = join(__dirname, '../../resources/models/normal');
    const first = await api.importModel({ path: shipped, name: 'normal-once', copy: false });
    const again = join(home, 'normal-again');
    cpSync(shipped, again, { recursive: true });
    await expect(api.importModel({ path: again, name: 'again' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`already in the library as "normal-once" (${first.id})`),
    });
  });

  it('gives the paper defaults for a DMAT run, with units', async () => {
    const c = await api.trainingDefaults({ method: 'dmat' });
    expect(c.imageAttack).toEqual({ eps: 4 / 255, stepSize: 1 / 255, steps: 5 });
    expect(c.latentAttack).toMatchObject({ eps: 0.02, stepSize: 0.005, steps: 5 });
    expect(c).toMatchObject({ epochs: 20, batchSize: 64, momentum: 0.9 });
    expect((await api.trainingDefaults({ method: 'normal' })).imageAttack).toBeUndefined();
  });

  it('exports a JSON report of an audit into $DMAT_HOME/reports and serves the file back', async () => {
    const info = await api.exportReport({ auditIds: [auditId], format: 'json' });
    expect(info).toMatchObject({ auditIds: [auditId], format: 'json' });
    expect(info.path).toBe(join(home, 'reports', `${info.id}.json`));
    const file = await api.getReportFile({ id: info.id });
    expect(file.mimeType).toBe('application/json');
    const json = JSON.parse(Buffer.from(file.base64, 'base64').toString('utf8'));
    expect(JSON.stringify(json)).toContain(auditId);
    expect((await api.listReports({ auditId })).map((r) => r.id)).toEqual([info.id]);
  });

  it('searches and deletes history', async () => {
    const page = await api.searchHistory({ text: 'custom' });
    expect(page.entries.map((e) => e.id)).toEqual([auditId]);
    await api.deleteHistoryEntry({ kind: 'audit', id: auditId });
    expect((await api.searchHistory()).total).toBe(0);
    expect(api.store.outcomes.count(auditId)).toBe(0);
  });
});

describe('interrupted jobs', () => {
  it('marks a job whose process is gone, and its audit, as failed when the API opens', async () => {
    const s = api.store;
    const model = s.models.list()[0];
    const audit = s.audits.insert({
      modelId: model.id,
      modelName: 'm',
      datasetId: s.datasets.list()[0].id,
      datasetName: 'd',
      suite: { name: 'quick', attacks: [{ preset: 'fgsm' }] },
      split: 'test',
      images: 'on-manifold',
      samples: 4,
      seed: 0,
      batchSize: 4,
      workers: 1,
    });
    s.audits.markRunning(audit.id, 'wasm');
    s.jobs.insert({ id: 'job_dead', kind: 'audit', targetId: audit.id, params: {} });
    // A pid that cannot be alive (beyond the kernel's pid range).
    s.jobs.setRunning('job_dead', 2 ** 22 + 7);
    s.jobs.insert({ id: 'job_alive', kind: 'report', targetId: 'x', params: {} });
    s.jobs.setRunning('job_alive', process.pid);
    s.jobs.insert({ id: 'job_starting', kind: 'report', targetId: 'y', params: {} });
    const again = createApi({ home, store: s, resourcesDir: resources });
    expect(s.jobs.get('job_dead')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^interrupted/),
    });
    expect(s.jobs.get('job_alive').status).toBe('running');
    expect(s.jobs.get('job_starting').status).toBe('queued');
    expect((await again.getAudit({ id: audit.id })).status).toBe('failed');
  });
});

describe('training estimate', () => {
  it('uses the median throughput that earlier runs of the method measured', async () => {
    const s = api.store;
    const datasetId = s.datasets.list()[0].id;
    const config = {
      ...(await api.trainingDefaults({ method: 'dmat' })),
      datasetId,
      samples: 1000,
      epochs: 2,
    };
    // No run measured yet: no figure, and the reason (not an error).
    expect(await api.estimateTraining({ config })).toMatchObject({
      secondsPerEpoch: null,
      totalSeconds: null,
      basis: expect.stringMatching(/no measured dmat run on this machine yet/),
    });
    const run = s.runs.insert({ name: 'r', datasetName: 'd', config });
    const at = new Date().toISOString();
    s.runMetrics.write(
      run.id,
      [10, 30, 20].map((value, i) => ({
        scope: 'step' as const,
        epoch: 0,
        step: i + 1,
        name: 'imagesPerSecond',
        value,
        at,
      })),
    );
    const e = await api.estimateTraining({ config });
    expect(e.secondsPerEpoch).toBeCloseTo(1000 / 20, 9);
    expect(e.totalSeconds).toBeCloseTo(100, 9);
    expect(e.basis).toMatch(/median 20.0 images\/s over 3 steps of 1 earlier dmat run/);
  });
});

describe('dataset import and preview', () => {
  it('imports a dataset folder with its generator and previews records as PNGs', async () => {
    await initBackend();
    const folder = await onManifoldDatasetFolder({ numClasses: 4 });
    const d = await api.importDataset({ path: folder, copy: false });
    expect(d).toMatchObject({
      kind: 'on-manifold',
      numClasses: 4,
      imageShape: [28, 28, 1],
      latentShape: [8],
    });
    const test = d.splits.find((s) => s.name === 'test')!;
    expect(test.classCounts.reduce((a, b) => a + b, 0)).toBe(test.count);
    expect(api.store.models.get(d.generatorModelId!).kind).toBe('generator');
    await expect(api.importDataset({ path: folder })).rejects.toMatchObject({ code: 'conflict' });

    const items = await api.previewDataset({ datasetId: d.id, split: 'test', offset: 3, limit: 2 });
    expect(items.map((i) => i.index)).toEqual([3, 4]);
    const stored = (await readDataset(folder, { splits: ['test'] })).splits.test;
    const png = PNG.sync.read(Buffer.from(items[0].natural, 'base64'));
    expect([png.width, png.height]).toEqual([28, 28]);
    // Red channel of the PNG = the stored uint8 pixel.
    const pixels = Array.from({ length: 784 }, (_, p) => png.data[4 * p]);
    expect(pixels).toEqual(Array.from(stored.x.data.subarray(3 * 784, 4 * 784)));
    expect(items[0].label).toBe(stored.y.data[3]);
    expect(items[0].onManifold).not.toBeNull();
  });
  it('takes the budgets a dataset recommends for its scale as training defaults', async () => {
    await initBackend();
    const folder = join(home, 'scaled-dataset');
    cpSync(await onManifoldDatasetFolder({ numClasses: 4 }), folder, { recursive: true });
    const manifestFile = join(folder, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.threatModel = { imageEps: 0.1, latentEta: 0.5 };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const d = await api.importDataset({ path: folder, copy: false, name: 'scaled' });
    const c = await api.trainingDefaults({ method: 'dmat', datasetId: d.id });
    expect(c.imageAttack).toEqual({ eps: 0.1, stepSize: 0.025, steps: 5 });
    expect(c.latentAttack).toMatchObject({ eps: 0.5, stepSize: 0.125, steps: 5 });
    // The small CNN's schedule keeps the reference knots with a gentler peak.
    expect(Math.max(...c.lrKnots.map((k) => k.value))).toBeCloseTo(0.05);
    expect(c.lrKnots.map((k) => k.epoch)).toEqual([0, 1, 6, 12, 15, 20]);
  });
});
