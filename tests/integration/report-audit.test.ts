/**
 * A real audit (the audit job, in this process, on a small trained classifier and an on-manifold
 * dataset), then `dmat report` on it: every attack's name, budget with unit and accuracy are in the
 * PDF's text and equal the stored numbers; every page rasterises to a non-blank image.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBudget, formatCount } from '../../src/main/engine/report';
import { auditJob, type AuditJobParams } from '../../src/main/jobs/audit-job';
import { openStore } from '../../src/main/store/index';
import { auditFixture } from '../helpers/audit-fixtures';
import {
  inkFraction,
  pdfPages,
  pdfText,
  percentagesIn,
  renderPages,
  rowsStartingWith,
} from '../unit/report-pdf-tools';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

let home: string;
let auditId: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dmat-report-audit-'));
  const fx = await auditFixture();
  const dbPath = path.join(home, 'dmat.sqlite');
  const store = openStore(dbPath);
  try {
    const model = store.models.insert({
      kind: 'classifier',
      name: 'audit-fixture-mlp',
      path: fx.classifierFolder,
      format: 'layers',
      inputShape: [28, 28, 1],
      numClasses: 4,
      classNames: ['class-0', 'class-1', 'class-2', 'class-3'],
      preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
      latentShape: null,
      architecture: 'mlp-32',
      sha256: 'fixture',
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
      sha256: 'fixture-dataset',
      sizeBytes: 0,
      builtin: false,
      quality: {},
      provenance: {},
    });
    const setup: AuditJobParams['setup'] = {
      modelPath: fx.classifierFolder,
      datasetPath: fx.datasetFolder,
      suite: {
        name: 'report-test',
        attacks: [{ preset: 'fgsm' }, { preset: 'pgd-5' }, { preset: 'om-pgd-5' }],
        sweeps: [{ preset: 'pgd-5', eps: [1 / 255, 4 / 255, 8 / 255] }],
      },
      split: 'test',
      images: 'on-manifold',
      samples: 48,
      seed: 7,
      batchSize: 24,
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
      seed: 7,
      batchSize: 24,
      workers: 1,
    });
    auditId = audit.id;
    await auditJob({
      jobId: 'report-test',
      params: { auditId, dbPath, setup, workers: 1 },
      signal: new AbortController().signal,
      progress: () => {},
      metrics: () => {},
      log: () => {},
    });
  } finally {
    store.close();
  }
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('dmat report on a real audit', () => {
  let pdf: string;
  let text: string;
  beforeAll(async () => {
    pdf = path.join(home, 'audit-report.pdf');
    const { stdout } = await run(
      'node',
      [path.join(ROOT, 'bin/dmat.mjs'), 'report', auditId, '--out', pdf],
      {
        env: { ...process.env, DMAT_HOME: home },
      },
    );
    expect(stdout).toContain('Worst-case accuracy');
    text = pdfText(pdf);
  });

  it('prints every attack name, its budget with units and its accuracy, equal to the store', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const audit = store.audits.get(auditId);
      expect(audit.status).toBe('done');
      const attacks = store.attackResults.list(auditId);
      expect(attacks.map((a) => a.name)).toEqual(['FGSM', 'PGD-5', 'OM-PGD-5']);
      for (const a of attacks) {
        const budget = formatBudget(a.budget.eps, a.budget.unit, a.budget.norm);
        expect(budget).toMatch(/(pixel \[0,1\]|latent)$/);
        const row = rowsStartingWith(text, a.name).find((l) => l.includes(budget));
        expect(row, `${a.name} with ${budget}`).toBeDefined();
        expect(row).toContain(formatCount(a.correct, a.total));
        expect(Math.abs(percentagesIn(row!)[0] - a.accuracy)).toBeLessThanOrEqual(5e-5);
      }
      const worst = rowsStartingWith(text, 'Worst case').find((l) => l.includes('attacks'));
      expect(Math.abs(percentagesIn(worst!)[0] - audit.worstCaseAccuracy!)).toBeLessThanOrEqual(
        5e-5,
      );
      const clean = rowsStartingWith(text, 'Clean (standard)')[0];
      expect(Math.abs(percentagesIn(clean)[0] - audit.standardAccuracy!)).toBeLessThanOrEqual(5e-5);
      for (const c of store.sweeps.list(auditId)) {
        for (const p of c.points) {
          const row = rowsStartingWith(text, c.name).find(
            (l) =>
              l.includes('pixel [0,1]') &&
              /%\s*$/.test(l) &&
              l.includes(p.eps === 0 ? '=0' : `${Math.round(p.eps * 255)}/255`),
          );
          expect(row, `${c.name} at ${p.eps}`).toBeDefined();
          expect(Math.abs(percentagesIn(row!)[0] - p.accuracy)).toBeLessThanOrEqual(5e-5);
        }
      }
    } finally {
      store.close();
    }
  });

  it('renders every page as a non-blank image', () => {
    const dir = fs.mkdtempSync(path.join(home, 'png-'));
    const pages = renderPages(pdf, dir);
    expect(pages.length).toBe(pdfPages(pdf).length);
    for (const p of pages) expect(inkFraction(p), p).toBeGreaterThan(0.003);
  });
});
