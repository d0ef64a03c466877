import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { prepareAudit, type PreparedAudit } from '../../src/main/engine/audit/prepare';
import {
  AuditCancelledError,
  AuditInputError,
  auditPhases,
  batchCount,
  partitionBatches,
  runAuditPart,
  type AuditPart,
} from '../../src/main/engine/audit/run-audit';
import { summariseAudit } from '../../src/main/engine/audit/summarise';
import { convergenceMeasures } from '../../src/main/engine/audit/convergence';
import { mergeOutcomes, worstCase } from '../../src/main/engine/audit/outcomes';
import { BUILTIN_SUITES, loadSuite, SuiteError } from '../../src/main/engine/audit/suites';
import { auditFixture, type AuditFixture } from '../helpers/audit-fixtures';

let fx: AuditFixture;
let audit: PreparedAudit;
let whole: AuditPart;
const tmp = mkdtempSync(join(tmpdir(), 'dmat-audit-'));

beforeAll(async () => {
  await initBackend();
  fx = await auditFixture();
  audit = await prepareAudit({
    modelPath: fx.classifierFolder,
    datasetPath: fx.datasetFolder,
    suite: {
      name: 'test',
      attacks: [{ preset: 'fgsm' }, { preset: 'pgd-5' }, { preset: 'om-pgd-5' }],
      sweeps: [{ preset: 'pgd-5', eps: [0, 2 / 255, 8 / 255] }],
    },
    split: 'test',
    images: 'on-manifold',
    samples: 96,
    seed: 7,
    batchSize: 16,
    galleryPerAttack: 2,
  });
  whole = await runAuditPart(audit.plan, audit.models);
});

afterAll(() => {
  audit?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('audit run', () => {
  it('audits a class-balanced subset and measures clean accuracy like a direct evaluation', async () => {
    const { plan, models } = audit;
    expect(plan.indices).toHaveLength(96);
    const labels = plan.indices.map((i) => plan.dataset.splits.test.y.data[i]);
    const perClass = [0, 1, 2, 3].map((c) => labels.filter((l) => l === c).length);
    expect(perClass).toEqual([24, 24, 24, 24]);
    // Independent: classify the stored g(w) of the same samples in one batch.
    const gw = plan.dataset.splits.test.gw!;
    const rows = plan.indices.map((i) => Array.from(gw.data.subarray(i * 784, (i + 1) * 784)));
    const predicted = tf.tidy(() =>
      Array.from(
        models.classifier
          .logits(tf.tensor4d(rows.flat(), [96, 28, 28, 1]))
          .argMax(1)
          .dataSync(),
      ),
    );
    expect(whole.outcomes.cleanPredicted).toEqual(predicted);
    expect(whole.outcomes.labels).toEqual(labels);
    const acc = whole.outcomes.cleanCorrect.filter(Boolean).length / 96;
    expect(acc).toBeGreaterThan(0.6);
  });

  it('respects each budget and lowers accuracy; the worst case is at most every column', () => {
    const res = summariseAudit(audit.plan.suite, [whole], { galleryPerAttack: 2, durationMs: 1 });
    const [fgsm, pgd, omPgd] = res.attacks;
    expect(fgsm.budget).toMatchObject({ eps: 4 / 255, unit: 'pixel [0,1]', norm: 'linf' });
    expect(omPgd.budget).toMatchObject({ eps: 0.02, unit: 'latent', steps: 5 });
    for (const a of res.attacks) {
      expect(a.maxPerturbationNorm).toBeLessThanOrEqual(a.budget.eps * (1 + 1e-5) + 1e-7);
      expect(a.accuracy).toBeLessThanOrEqual(res.standardAccuracy + 1e-9);
      expect(a.correct).toBe(
        whole.outcomes.attacks.find((o) => o.key === a.key)!.correct.filter(Boolean).length,
      );
    }
    // An attack never repairs a sample: robust under an attack implies right without it.
    for (const o of whole.outcomes.attacks) {
      o.correct.forEach((c, i) => c && expect(whole.outcomes.cleanCorrect[i]).toBe(true));
    }
    expect(pgd.accuracy).toBeLessThan(res.standardAccuracy);
    const minColumn = Math.min(res.standardAccuracy, ...res.attacks.map((a) => a.accuracy));
    expect(res.worstCaseAccuracy).toBeLessThanOrEqual(minColumn);
    // Brute force over samples: robust = correct clean and under every attack.
    const brute = whole.outcomes.sampleIndices.filter(
      (_, i) => whole.outcomes.cleanCorrect[i] && whole.outcomes.attacks.every((a) => a.correct[i]),
    ).length;
    expect(res.worstCaseAccuracy).toBeCloseTo(brute / 96, 12);
    expect(worstCase(res.outcomes, ['FGSM']).accuracy).toBeGreaterThanOrEqual(
      res.worstCaseAccuracy,
    );
  });

  it('records a strength curve that starts at the clean accuracy and falls with ε', () => {
    const res = summariseAudit(audit.plan.suite, [whole], { galleryPerAttack: 2, durationMs: 1 });
    const pts = res.curves![0].points;
    expect(pts.map((p) => p.eps)).toEqual([0, 2 / 255, 8 / 255]);
    expect(pts[0].accuracy).toBeCloseTo(res.standardAccuracy, 12);
    expect(pts[2].accuracy).toBeLessThanOrEqual(pts[0].accuracy);
    expect(res.curves![0].unit).toBe('pixel [0,1]');
  });

  it('keeps gallery PNGs per attack, fooled samples first', () => {
    const res = summariseAudit(audit.plan.suite, [whole], { galleryPerAttack: 2, durationMs: 1 });
    const g = res.gallery!;
    expect(g.length).toBe(6);
    for (const item of g) {
      expect(Buffer.from(item.cleanPng).subarray(1, 4).toString()).toBe('PNG');
      expect(item.differenceScale).toBeGreaterThan(0);
    }
    const pgd = g.filter((x) => x.attackKey === 'PGD-5');
    expect(pgd.every((x) => x.adversarialPredicted !== x.label)).toBe(true);
  });

  it('gives exactly the same outcomes when the batches are split into parts', async () => {
    const ranges = partitionBatches(batchCount(audit.plan), 3);
    expect(ranges).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    const parts: AuditPart[] = [];
    for (const range of [...ranges].reverse()) {
      parts.push(await runAuditPart(audit.plan, audit.models, { range }));
    }
    expect(mergeOutcomes(parts.map((p) => p.outcomes))).toEqual(whole.outcomes);
    const a = summariseAudit(audit.plan.suite, parts, { galleryPerAttack: 2, durationMs: 1 });
    const b = summariseAudit(audit.plan.suite, [whole], { galleryPerAttack: 2, durationMs: 1 });
    expect(a.curves).toEqual(b.curves);
    // The convergence runs are split by chunk, not by part: the same measures either way.
    expect(convergenceMeasures(audit.plan.suite, a.outcomes, a.convergence)).toEqual(
      convergenceMeasures(audit.plan.suite, b.outcomes, b.convergence),
    );
    expect(a.convergence.map((t) => t.sampleIndices.length)).toEqual([
      audit.plan.indices.length,
      audit.plan.indices.length,
    ]);
    expect(a.gallery!.map((x) => [x.attackKey, x.sampleIndex])).toEqual(
      b.gallery!.map((x) => [x.attackKey, x.sampleIndex]),
    );
  });

  it('does not leak tensors and reports progress through every phase', async () => {
    const before = tf.memory().numTensors;
    const phases = new Set<number>();
    await runAuditPart(audit.plan, audit.models, {
      range: [0, 1],
      onProgress: (p) => phases.add(p.phase),
    });
    expect(tf.memory().numTensors).toBe(before);
    // After the attacks and sweep points come the convergence runs of the iterative attacks.
    const labels = auditPhases(audit.plan.suite, audit.plan.indices.length).map((p) => p.label);
    expect(labels.slice(-2)).toEqual(['convergence: PGD-5', 'convergence: OM-PGD-5']);
    expect([...phases]).toEqual(labels.map((_, i) => i));
  });

  it('stops between batches when cancelled', async () => {
    const ctrl = new AbortController();
    const run = runAuditPart(audit.plan, audit.models, {
      signal: ctrl.signal,
      onProgress: (p) => p.phase === 1 && ctrl.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(AuditCancelledError);
  });
});

describe('audit input errors', () => {
  it('refuses latent attacks on images without latent codes, naming the attack', async () => {
    const natural = await prepareAudit({
      modelPath: fx.classifierFolder,
      datasetPath: fx.datasetFolder,
      suite: BUILTIN_SUITES.quick,
      split: 'test',
      images: 'natural',
      samples: 8,
      seed: 0,
      batchSize: 8,
      galleryPerAttack: 0,
    });
    try {
      delete natural.plan.dataset.splits.test.w;
      await expect(runAuditPart(natural.plan, natural.models)).rejects.toThrow(AuditInputError);
      await expect(runAuditPart(natural.plan, natural.models)).rejects.toThrow(
        /no latent codes .* latent-space attacks \(OM-PGD-5\)/,
      );
    } finally {
      natural.dispose();
    }
  });
});

describe('suites', () => {
  it('ships quick and paper as data', () => {
    expect(BUILTIN_SUITES.paper.attacks.map((a) => a.preset)).toEqual(
      expect.arrayContaining(['fgsm', 'pgd-50', 'mia-50', 'om-pgd-50']),
    );
    expect(BUILTIN_SUITES.quick.attacks.length).toBeGreaterThan(0);
  });

  it('reads a user JSON suite and explains what is wrong with a bad one', async () => {
    const good = join(tmp, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        name: 'mine',
        attacks: [{ preset: 'pgd-5', eps: 0.01, label: 'PGD small' }],
      }),
    );
    expect((await loadSuite(good)).attacks[0]).toEqual({
      preset: 'pgd-5',
      eps: 0.01,
      label: 'PGD small',
    });

    const bad = join(tmp, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ name: 'mine', attacks: [{ preset: 'fgsm' }, { preset: 'fgsm', eps: -1 }] }),
    );
    await expect(loadSuite(bad)).rejects.toThrow(SuiteError);
    await expect(loadSuite(bad)).rejects.toThrow(`${bad}: attacks.1.eps: expected a number ≥ 0`);

    const dup = join(tmp, 'dup.json');
    writeFileSync(
      dup,
      JSON.stringify({ name: 'mine', attacks: [{ preset: 'fgsm' }, { preset: 'fgsm' }] }),
    );
    await expect(loadSuite(dup)).rejects.toThrow(
      `${dup}: attacks.1.preset: duplicate column "fgsm" (also attacks.0); give one a distinct "label"`,
    );

    const notJson = join(tmp, 'broken.json');
    writeFileSync(notJson, '{ name: ');
    await expect(loadSuite(notJson)).rejects.toThrow(`${notJson}: not valid JSON`);
    await expect(loadSuite(join(tmp, 'missing.json'))).rejects.toThrow(
      /cannot read the suite file \(file not found\)/,
    );
    await expect(loadSuite('papr')).rejects.toThrow(
      'unknown suite "papr"; use one of quick, paper',
    );
  });

  it('names an unknown preset and the known ones', async () => {
    const f = join(tmp, 'unknown.json');
    writeFileSync(f, JSON.stringify({ name: 'x', attacks: [{ preset: 'pgd-500' }] }));
    const def = await loadSuite(f);
    await expect(
      prepareAudit({
        modelPath: fx.classifierFolder,
        datasetPath: fx.datasetFolder,
        suite: def,
        split: 'test',
        images: 'on-manifold',
        seed: 0,
        batchSize: 8,
        galleryPerAttack: 0,
      }),
    ).rejects.toThrow(
      /attacks\.0\.preset: unknown attack preset "pgd-500"; known: fgsm, fgsm-rs, pgd-5/,
    );
  });
});
