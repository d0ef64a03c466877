import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttackResultInfo } from '../../src/shared/api';
import { worstCase, type AuditOutcomes } from '../../src/main/engine/audit/outcomes';
import { openStore, type Store } from '../../src/main/store/index';
import { databasePath, dmatHome } from '../../src/main/store/paths';
import { migrations } from '../../src/main/store/migrations/index';

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function memoryStore(): Store {
  const s = openStore(':memory:');
  stores.push(s);
  return s;
}

function library(s: Store) {
  const model = s.models.insert({
    kind: 'classifier',
    name: 'small-cnn',
    path: '/models/small',
    format: 'layers',
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: [],
    preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
    latentShape: null,
    architecture: 'small-cnn',
    sha256: 'aa',
    sizeBytes: 1234,
    builtin: false,
    sourceRunId: null,
    provenance: { trainedBy: 'test' },
  });
  const dataset = s.datasets.insert({
    name: 'om-tiny',
    kind: 'on-manifold',
    path: '/data/om-tiny',
    imageShape: [28, 28, 1],
    latentShape: [4, 8],
    numClasses: 10,
    classNames: [],
    splits: [{ name: 'test', count: 6, classCounts: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0] }],
    generatorModelId: null,
    sha256: 'bb',
    sizeBytes: 99,
    builtin: true,
    quality: { test: { meanL1: 0.01, meanPsnr: 30 } },
    provenance: {},
  });
  return { model, dataset };
}

function attack(key: string, correct: number, total: number): AttackResultInfo {
  return {
    key,
    preset: key.toLowerCase(),
    attackId: 'pgd-linf',
    name: key,
    family: 'seen',
    space: 'image',
    budget: { eps: 4 / 255, stepSize: 1 / 255, steps: 50, unit: 'pixel [0,1]', norm: 'linf' },
    accuracy: correct / total,
    correct,
    total,
    timeMs: 12.5,
    imagesPerSecond: 480,
    meanPerturbationNorm: 0.0156,
    maxPerturbationNorm: 4 / 255,
  };
}

// Six samples (indices not contiguous, as after a shuffle), two attacks.
const outcomes: AuditOutcomes = {
  sampleIndices: [2, 5, 7, 11, 13, 17],
  labels: [0, 1, 2, 3, 4, 5],
  cleanPredicted: [0, 1, 2, 3, 9, 5],
  cleanCorrect: [true, true, true, true, false, true],
  attacks: [
    {
      key: 'FGSM',
      correct: [true, false, true, true, false, true],
      predicted: [0, 7, 2, 3, 9, 5],
      perturbationNorm: [0.01, 0.02, 0.01, 0.01, 0.02, 0.01],
    },
    {
      key: 'PGD-50',
      correct: [true, true, false, true, false, true],
      predicted: [0, 1, 8, 3, 9, 5],
      perturbationNorm: [0.015, 0.015, 0.015, 0.015, 0.015, 0.015],
    },
  ],
};

function storeWithAudit() {
  const s = memoryStore();
  const { model, dataset } = library(s);
  const audit = s.audits.insert({
    modelId: model.id,
    modelName: model.name,
    datasetId: dataset.id,
    datasetName: dataset.name,
    suite: { name: 'quick', attacks: [{ preset: 'fgsm' }, { preset: 'pgd-50', label: 'PGD-50' }] },
    split: 'test',
    images: 'on-manifold',
    samples: 6,
    seed: 3,
    batchSize: 4,
    workers: 1,
  });
  return { s, model, dataset, audit };
}

describe('paths', () => {
  it('uses $DMAT_HOME and puts the database in it', () => {
    expect(dmatHome({ DMAT_HOME: '/tmp/dh' })).toBe('/tmp/dh');
    expect(databasePath('/tmp/dh')).toBe('/tmp/dh/dmat.sqlite');
  });
});

describe('store on disk', () => {
  it('opens in WAL mode with foreign keys on and reopens at the same schema version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmat-store-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'dmat.sqlite');
    const a = openStore(file);
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(a.db.pragma('foreign_keys', { simple: true })).toBe(1);
    library(a);
    a.close();
    const b = openStore(file);
    stores.push(b);
    expect(b.schemaVersion).toBe(migrations.at(-1)!.version);
    expect(b.models.list()).toHaveLength(1);
  });
});

describe('models and datasets', () => {
  it('round-trips every field and resolves by id or name', () => {
    const s = memoryStore();
    const { model, dataset } = library(s);
    expect(s.models.get(model.id)).toEqual(model);
    expect(model.preprocessing).toEqual({ inputRange: [0, 1], channelOrder: 'rgb' });
    expect(model.builtin).toBe(false);
    expect(s.models.resolve('small-cnn')?.id).toBe(model.id);
    expect(s.models.resolve(model.id)?.id).toBe(model.id);
    expect(s.models.list('generator')).toEqual([]);
    expect(s.datasets.get(dataset.id).splits[0].classCounts).toHaveLength(10);
    expect(s.datasets.findByPath('/data/om-tiny')?.id).toBe(dataset.id);
    s.models.remove(model.id);
    expect(() => s.models.get(model.id)).toThrow(`model "${model.id}" not found`);
  });

  it('refuses a second model at the same path', () => {
    const s = memoryStore();
    const { model } = library(s);
    const { id: _id, createdAt: _c, ...again } = model;
    expect(() => s.models.insert(again)).toThrow(/UNIQUE constraint failed: models.path/);
  });
});

describe('audit results', () => {
  it('saves attacks, outcomes, gallery, flags and curves in one go and reads them back', () => {
    const { s, audit } = storeWithAudit();
    const png = new Uint8Array([137, 80, 78, 71]);
    s.saveAuditResults(audit.id, {
      standardAccuracy: 5 / 6,
      worstCaseAccuracy: 3 / 6,
      durationMs: 1500,
      attacks: [attack('FGSM', 4, 6), attack('PGD-50', 4, 6)],
      outcomes,
      gallery: [
        {
          attackKey: 'PGD-50',
          sampleIndex: 7,
          label: 2,
          cleanPredicted: 2,
          adversarialPredicted: 8,
          perturbationNorm: 0.015,
          differenceScale: 16,
          cleanPng: png,
          adversarialPng: png,
          differencePng: png,
        },
      ],
      sanityFlags: [
        {
          check: 'zero-gradients',
          severity: 'warning',
          message: 'Input gradients are zero for 2 of 6 samples.',
          attackKey: 'PGD-50',
          details: { samples: 2 },
        },
      ],
      curves: [
        {
          preset: 'pgd-50',
          name: 'PGD-50',
          unit: 'pixel [0,1]',
          norm: 'linf',
          points: [
            { eps: 0, accuracy: 5 / 6 },
            { eps: 4 / 255, accuracy: 4 / 6 },
          ],
        },
      ],
      reproducibility: { seed: 3, configHash: 'cafe' },
    });
    const d = s.auditDetail(audit.id);
    expect(d.status).toBe('done');
    expect(d.worstCaseAccuracy).toBeCloseTo(0.5);
    expect(d.attacks.map((a) => a.key)).toEqual(['FGSM', 'PGD-50']);
    expect(d.attacks[1].budget).toEqual({
      eps: 4 / 255,
      stepSize: 1 / 255,
      steps: 50,
      unit: 'pixel [0,1]',
      norm: 'linf',
    });
    expect(d.sanityFlags[0].details).toEqual({ samples: 2 });
    expect(d.curves[0].points).toHaveLength(2);
    expect(d.reproducibility).toEqual({ seed: 3, configHash: 'cafe' });
    expect(s.outcomes.load(audit.id)).toEqual(outcomes);
    const g = s.gallery.list(audit.id);
    expect(g).toHaveLength(1);
    expect(Buffer.from(g[0].clean, 'base64')).toEqual(Buffer.from(png));
  });

  it('recomputes the worst case from stored outcomes exactly as an SQL count does', () => {
    const { s, audit } = storeWithAudit();
    s.saveAuditResults(audit.id, {
      standardAccuracy: 5 / 6,
      worstCaseAccuracy: 3 / 6,
      durationMs: 1,
      attacks: [attack('FGSM', 4, 6), attack('PGD-50', 4, 6)],
      outcomes,
    });
    const loaded = s.outcomes.load(audit.id);
    // Independent computation: a sample is robust when no chosen outcome row is wrong.
    const sqlRobust = (keys: string[]) =>
      (
        s.db
          .prepare(
            `SELECT COUNT(*) AS n FROM audit_samples a WHERE a.audit_id = ? AND a.clean_correct = 1
             AND NOT EXISTS (SELECT 1 FROM sample_outcomes o WHERE o.audit_id = a.audit_id
               AND o.sample_index = a.sample_index AND o.correct = 0
               AND o.attack_key IN (SELECT value FROM json_each(?)))`,
          )
          .get(audit.id, JSON.stringify(keys)) as { n: number }
      ).n;
    for (const keys of [[], ['FGSM'], ['PGD-50'], ['FGSM', 'PGD-50']]) {
      expect(worstCase(loaded, keys).robust).toBe(sqlRobust(keys));
    }
    expect(worstCase(loaded).robust).toBe(3);
  });

  it('leaves no partial rows when a write fails half-way', () => {
    const { s, audit } = storeWithAudit();
    const broken = {
      ...outcomes,
      attacks: [outcomes.attacks[0], { ...outcomes.attacks[1], key: 'MISSING' }],
    };
    expect(() =>
      s.saveAuditResults(audit.id, {
        standardAccuracy: 1,
        worstCaseAccuracy: 1,
        durationMs: 1,
        attacks: [attack('FGSM', 4, 6), attack('PGD-50', 4, 6)],
        outcomes: broken,
      }),
    ).toThrow(/FOREIGN KEY/);
    for (const t of ['attack_results', 'audit_samples', 'sample_outcomes']) {
      expect(s.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    }
    expect(s.audits.get(audit.id).status).toBe('queued');
  });
});

describe('runs, metrics, checkpoints', () => {
  it('upserts metric points so a replayed step is not duplicated', () => {
    const s = memoryStore();
    const { dataset } = library(s);
    const run = s.runs.insert({
      name: 'dmat-1',
      datasetName: dataset.name,
      config: {
        method: 'dmat',
        datasetId: dataset.id,
        architecture: 'small-cnn',
        epochs: 2,
        batchSize: 64,
        lrKnots: [{ epoch: 0, value: 0.1 }],
        momentum: 0.9,
        weightDecay: 5e-4,
        validationSamples: 100,
        seed: 0,
      },
    });
    const at = new Date().toISOString();
    s.runMetrics.write(run.id, [
      { scope: 'step', epoch: 0, step: 1, name: 'loss', value: 2.3, at },
      { scope: 'step', epoch: 0, step: 2, name: 'loss', value: 2.1, at },
    ]);
    s.runMetrics.write(run.id, [
      { scope: 'step', epoch: 0, step: 2, name: 'loss', value: 2.0, at },
    ]);
    expect(s.runMetrics.list(run.id).map((p) => p.value)).toEqual([2.3, 2.0]);
    expect(s.runMetrics.list(run.id, { afterStep: 1 })).toHaveLength(1);
    expect(s.runMetrics.truncateAfter(run.id, 1)).toBe(1);
    s.checkpoints.insert({ runId: run.id, epoch: 0, step: 10, path: '/c/10' });
    s.checkpoints.insert({ runId: run.id, epoch: 1, step: 20, path: '/c/20' });
    expect(s.checkpoints.latest(run.id)?.step).toBe(20);
    s.runs.update(run.id, {
      status: 'done',
      epochsDone: 2,
      lastMetrics: { cleanAcc: 0.8 },
      finished: true,
    });
    const r = s.runs.get(run.id);
    expect(r.status).toBe('done');
    expect(r.finishedAt).not.toBeNull();
    expect(r.config.method).toBe('dmat');
  });
});

describe('history', () => {
  it('lists audits and runs newest first, searches text, and deletes with cascade', () => {
    const { s, audit } = storeWithAudit();
    s.saveAuditResults(audit.id, {
      standardAccuracy: 1,
      worstCaseAccuracy: 0.5,
      durationMs: 1,
      attacks: [attack('FGSM', 4, 6), attack('PGD-50', 4, 6)],
      outcomes,
    });
    s.runs.insert({
      name: 'at-run',
      datasetName: 'om-tiny',
      config: {
        method: 'at',
        datasetId: audit.datasetId,
        epochs: 1,
        batchSize: 8,
        lrKnots: [{ epoch: 0, value: 0.1 }],
        momentum: 0.9,
        weightDecay: 0,
        validationSamples: 0,
        seed: 0,
      },
    });
    const all = s.history.search();
    expect(all.total).toBe(2);
    expect(all.entries.map((e) => e.kind).sort()).toEqual(['audit', 'run']);
    const hit = s.history.search({ text: 'SMALL-cnn' });
    expect(hit.entries).toHaveLength(1);
    expect(hit.entries[0].subtitle).toBe('quick · 6 samples · worst case 50.0 %');
    expect(s.history.search({ kind: 'run' }).entries[0].title).toBe('at-run');
    s.history.remove('audit', audit.id);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM sample_outcomes').get()).toEqual({ n: 0 });
    expect(() => s.history.remove('audit', audit.id)).toThrow(/not found/);
  });
});
