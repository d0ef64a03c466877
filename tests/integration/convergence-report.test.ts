/**
 * An attack that is not converged is flagged where the user reads its number: `dmat audit` of the
 * embedded Normal classifier with a deliberately short PGD (2 steps of ε/10) stores the
 * convergence warning, the CLI table shows it beside the column, and `dmat report` prints it in
 * the PDF's accuracy table (under the attack's name) and in its sanity-check table, with the
 * measured numbers stored with the audit.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SanityFlag } from '../../src/shared/api';
import { openStore } from '../../src/main/store/index';
import { pdfText } from '../unit/report-pdf-tools';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.join(ROOT, 'resources/models/normal');
const DATA = path.join(ROOT, 'resources/om-fashion-mnist');
const LABEL = 'PGD-2 short';

let home: string;
let auditId: string;
let table: string;
let flag: SanityFlag;
let pdf: string;

async function dmat(args: string[]): Promise<string> {
  const { stdout } = await run('node', [path.join(ROOT, 'bin/dmat.mjs'), ...args], {
    env: { ...process.env, DMAT_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dmat-convergence-'));
  const suite = path.join(home, 'suite.json');
  fs.writeFileSync(
    suite,
    JSON.stringify({
      name: 'short-pgd',
      attacks: [{ preset: 'pgd-5', eps: 0.1, stepSize: 0.01, steps: 2, label: LABEL }],
    }),
  );
  const common = ['--model', MODEL, '--data', DATA, '--suite', suite, '--samples', '100'];
  table = await dmat(['audit', ...common, '--batch', '50', '--gallery', '0']);
  const store = openStore(path.join(home, 'dmat.sqlite'));
  try {
    auditId = store.audits.list()[0].id;
    flag = store.sanityFlags.list(auditId).find((f) => f.check === 'attack-not-converged')!;
  } finally {
    store.close();
  }
  pdf = path.join(home, 'report.pdf');
  await dmat(['report', auditId, '--out', pdf]);
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('a convergence flag', () => {
  it('is stored with the audit, with the numbers it measured', () => {
    expect(flag, 'no convergence flag was stored').toBeDefined();
    expect(flag.attackKey).toBe(LABEL);
    expect(flag.severity).toBe('warning');
    const d = flag.details as Record<string, number>;
    expect(d).toMatchObject({ steps: 4, restarts: 3, samples: 100 });
    expect(d.dropPoints).toBeGreaterThan(1);
    expect(d.dropPoints).toBeCloseTo(100 * (d.baseAccuracy - d.strongerAccuracy), 9);
  });

  it('is printed beside its column by `dmat audit`', () => {
    const row = table.split('\n').find((l) => l.startsWith(LABEL));
    const drop = (flag.details.dropPoints as number).toFixed(1);
    expect(row).toContain(`⚠ not converged: −${drop} pts with 4 steps × 3 restarts`);
    expect(table).toContain(`warning: ${flag.message}`);
  });

  it('is printed in the PDF under the attack in the accuracy table and in the sanity checks', () => {
    const text = pdfText(pdf);
    const lines = text.split('\n').map((l) => l.trim());
    const drop = (flag.details.dropPoints as number).toFixed(1);
    const at = lines.findIndex((l) => l.startsWith(LABEL) && /%/.test(l));
    expect(at, 'accuracy row of the attack').toBeGreaterThanOrEqual(0);
    // The note is the next line of the attack's cell (it may wrap over two lines).
    const note = lines.slice(at + 1, at + 3).join(' ');
    expect(note).toContain(`not converged: −${drop} pts`);
    // The sanity table: status, title and the stored sentence (pdftotext interleaves the title
    // column's second line with the sentence, so the sentence is checked in two parts).
    const flat = text.replace(/\s+/g, ' ');
    const d = flag.details as Record<string, number>;
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    expect(flat).toContain('WARNING Attack not converged');
    expect(flat).toContain(`${LABEL} not converged at ε = 0.1 [0,1] px: −${drop} pts`);
    expect(flat).toContain(
      `with 4 steps × 3 restarts (${pct(d.baseAccuracy)} → ${pct(d.strongerAccuracy)} on 100 samples)`,
    );
  });
});
