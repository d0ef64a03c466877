/**
 * The acceptance path, as a user types it: `dmat audit` of an embedded classifier on the
 * embedded on-manifold dataset, then `dmat report AUDIT_ID --out report.pdf`. The PDF's text holds
 * every attack name with its budget, unit and accuracy equal to the stored audit, a comparison
 * with a second embedded classifier, and every page rasterises to a non-blank image.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBudget, formatCount } from '../../src/main/engine/report';
import { openStore } from '../../src/main/store/index';
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
const MODEL = path.join(ROOT, 'resources/models/dmat');
const OTHER = path.join(ROOT, 'resources/models/at');
const DATA = path.join(ROOT, 'resources/om-fashion-mnist');

let home: string;
let auditId: string;
let otherId: string;
let pdf: string;

async function dmat(args: string[]): Promise<string> {
  const { stdout } = await run('node', [path.join(ROOT, 'bin/dmat.mjs'), ...args], {
    env: { ...process.env, DMAT_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dmat-report-embedded-'));
  const suite = path.join(home, 'suite.json');
  fs.writeFileSync(
    suite,
    JSON.stringify({
      name: 'report-test',
      attacks: [{ preset: 'fgsm' }, { preset: 'pgd-5' }, { preset: 'om-pgd-5' }],
      sweeps: [{ preset: 'pgd-5', eps: [1 / 255, 4 / 255, 8 / 255] }],
    }),
  );
  const audit = async (model: string) =>
    (
      JSON.parse(
        await dmat([
          'audit',
          '--model',
          model,
          '--data',
          DATA,
          '--suite',
          suite,
          '--samples',
          '40',
          '--batch',
          '40',
          '--gallery',
          '1',
          '--json',
        ]),
      ) as { audit: { id: string } }
    ).audit.id;
  auditId = await audit(MODEL);
  otherId = await audit(OTHER);
  pdf = path.join(home, 'report.pdf');
  await dmat(['report', auditId, '--out', pdf, '--compare', otherId]);
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('dmat report on an audit of an embedded classifier', () => {
  it('prints every attack name, its budget with units and its accuracy, equal to the store', () => {
    const text = pdfText(pdf);
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const audit = store.audits.get(auditId);
      const attacks = store.attackResults.list(auditId);
      expect(attacks.length).toBeGreaterThanOrEqual(3);
      for (const a of attacks) {
        const budget = formatBudget(a.budget.eps, a.budget.unit, a.budget.norm);
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
      const curves = store.sweeps.list(auditId);
      expect(curves.map((c) => c.name)).toEqual(['PGD-5']);
      for (const p of curves[0].points) {
        const row = rowsStartingWith(text, 'PGD-5').find(
          (l) =>
            /%\s*$/.test(l) &&
            l.includes(`${Math.round(p.eps * 255)}/255`) &&
            l.includes('pixel [0,1]') &&
            !l.includes('/ 40'),
        );
        expect(row, `PGD-5 at ${p.eps}`).toBeDefined();
        expect(Math.abs(percentagesIn(row!)[0] - p.accuracy)).toBeLessThanOrEqual(5e-5);
      }
    } finally {
      store.close();
    }
  });

  it('compares the two embedded classifiers, each row equal to its own stored audit', () => {
    const text = pdfText(pdf);
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      for (const id of [auditId, otherId]) {
        const a = store.audits.get(id);
        const expected = [
          a.standardAccuracy!,
          ...store.attackResults.list(id).map((r) => r.accuracy),
          a.worstCaseAccuracy!,
        ];
        const row = text
          .split('\n')
          .find((l) => l.trim().startsWith(`${a.modelName} `) && /%\s*$/.test(l));
        const printed = percentagesIn(row ?? '');
        expect(printed.length, a.modelName).toBe(expected.length);
        printed.forEach((p, i) => expect(Math.abs(p - expected[i])).toBeLessThanOrEqual(5e-5));
      }
    } finally {
      store.close();
    }
  });

  it('renders every page as a non-blank image', () => {
    const pages = renderPages(pdf, fs.mkdtempSync(path.join(home, 'png-')));
    expect(pages.length).toBe(pdfPages(pdf).length);
    for (const p of pages) expect(inkFraction(p), p).toBeGreaterThan(0.003);
  });
});
