/**
 * `dmat report` end to end: a store written through the store API, the CLI run as a user runs it,
 * and the PDF read back with poppler. Every number in the PDF is compared with the store's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/main/cli';
import {
  exportReport,
  formatBudget,
  formatCount,
  loadReportData,
  parseReportJson,
} from '../../src/main/engine/report';
import { openStore } from '../../src/main/store/index';
import {
  inkFraction,
  pdfPages,
  pdfText,
  percentagesIn,
  renderPages,
  rowsStartingWith,
} from '../unit/report-pdf-tools';
import { seedAudit, type SeededAudit } from './report-store-fixture';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

let home: string;
let subject: SeededAudit;
let other: SeededAudit;
let queuedId: string;

async function dmat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [path.join(ROOT, 'bin/dmat.mjs'), ...args], {
      cwd: home,
      env: { ...process.env, DMAT_HOME: home },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dmat-report-cli-'));
  const store = openStore(path.join(home, 'dmat.sqlite'));
  try {
    subject = seedAudit(store, 'dmat', 11);
    other = seedAudit(store, 'at', 23);
    const a = store.audits.get(subject.auditId);
    queuedId = store.audits.insert({
      modelId: a.modelId,
      modelName: a.modelName,
      datasetId: a.datasetId,
      datasetName: a.datasetName,
      suite: a.suite,
      split: a.split,
      images: a.images,
      samples: a.samples,
      seed: a.seed,
      batchSize: a.batchSize,
      workers: a.workers,
    }).id;
  } finally {
    store.close();
  }
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('dmat report', () => {
  let pdf: string;
  let json: string;
  let text: string;
  beforeAll(async () => {
    pdf = path.join(home, 'report.pdf');
    json = path.join(home, 'report.json');
    const r = await dmat([
      'report',
      subject.auditId,
      '--out',
      pdf,
      '--json',
      json,
      '--compare',
      other.auditId,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Worst-case accuracy');
    text = pdfText(pdf);
  });

  it('prints every stored attack with its budget, unit, counts and accuracy, equal to the store', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const attacks = store.attackResults.list(subject.auditId);
      expect(attacks.length).toBe(5);
      for (const a of attacks) {
        const budget = formatBudget(a.budget.eps, a.budget.unit, a.budget.norm);
        const row = rowsStartingWith(text, a.name).find((l) => l.includes(budget));
        expect(row, a.name).toBeDefined();
        expect(row).toContain(formatCount(a.correct, a.total));
        // Printed with two decimals of a percent: equal to the stored fraction to 5e-5.
        expect(Math.abs(percentagesIn(row!)[0] - a.accuracy)).toBeLessThanOrEqual(5e-5);
      }
      const audit = store.audits.get(subject.auditId);
      const clean = rowsStartingWith(text, 'Clean (standard)')[0];
      expect(Math.abs(percentagesIn(clean)[0] - audit.standardAccuracy!)).toBeLessThanOrEqual(5e-5);
      const worst = rowsStartingWith(text, 'Worst case').find((l) => l.includes('attacks'));
      expect(Math.abs(percentagesIn(worst!)[0] - audit.worstCaseAccuracy!)).toBeLessThanOrEqual(
        5e-5,
      );
    } finally {
      store.close();
    }
  });

  it('compares the two models in the paper layout: seen attacks, then unseen ones', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      for (const a of [subject, other]) {
        const audit = store.audits.get(a.auditId);
        const attacks = store.attackResults.list(a.auditId);
        const rows = text.split('\n').filter((l) => l.trim().startsWith(`${a.modelName} — `));
        expect(rows).toHaveLength(2);
        const seen = [
          audit.standardAccuracy!,
          ...attacks.filter((r) => r.family === 'seen').map((r) => r.accuracy),
          audit.worstCaseAccuracy!,
        ];
        const unseen = attacks.filter((r) => r.family === 'unseen').map((r) => r.accuracy);
        expect(unseen.length).toBe(1);
        [seen, unseen].forEach((expected, t) => {
          const printed = percentagesIn(rows[t]);
          expect(printed.length).toBe(expected.length);
          printed.forEach((p, i) => expect(Math.abs(p - expected[i])).toBeLessThanOrEqual(5e-5));
        });
      }
      expect(text).toContain('Seen attacks (paper Table 1 layout)');
      expect(text).toContain('Unseen attacks (paper Table 2 layout)');
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

  it('shows the sanity flags, gallery class names and checksums from the store', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('WARNING');
    const warning = rowsStartingWith(text, 'WARNING')[0];
    expect(warning).toContain('Random noise beats a');
    expect(warning).toContain('Random noise at the same budget fooled 2 samples');
    expect(flat).toMatch(
      /true class: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)/,
    );
    expect(flat).toContain(`audit = 11`);
    expect(flat).toContain('g(w) vs x: mean L1 0.0312 (pixel [0,1]), PSNR 27.4 dB');
    expect(flat.replace(/ /g, '')).toContain(`sha256:${'12'.repeat(32)}`);
  });

  it('writes the same numbers as JSON', () => {
    const data = parseReportJson(fs.readFileSync(json, 'utf8'));
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      expect(data.attacks.map((a) => a.accuracy)).toEqual(
        store.attackResults.list(subject.auditId).map((a) => a.accuracy),
      );
      expect(data.worstCase.accuracy).toBe(store.audits.get(subject.auditId).worstCaseAccuracy);
      expect(data.gallery.length).toBe(10);
    } finally {
      store.close();
    }
  });
});

/** The CLI in this process (no tsx start-up per case): exit code and what it printed. */
async function dmatInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const saved = process.env.DMAT_HOME;
  process.env.DMAT_HOME = home;
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...m: unknown[]) => {
    errors.push(m.join(' '));
  });
  try {
    return { code: await main(args), stderr: errors.join('\n') };
  } finally {
    spy.mockRestore();
    if (saved === undefined) delete process.env.DMAT_HOME;
    else process.env.DMAT_HOME = saved;
  }
}

describe('loadReportData', () => {
  it('maps what the audit job records into the appendix without repeating the configuration', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const r = loadReportData(store, subject.auditId).reproducibility;
      expect(r.backend).toBe('wasm (@tensorflow/tfjs-backend-wasm)');
      expect(r.seeds).toEqual({ audit: 11 });
      expect(r.configHash).toBe(`sha256:${'12'.repeat(32)}`);
      expect(r.models[0]).toEqual({
        name: 'dmat',
        role: 'classifier',
        checksum: store.models.list('classifier').find((m) => m.name === 'dmat')?.sha256,
      });
      expect(r.models[1].role).toBe('generator');
      expect(r.dataset.checksum).toBe('ef'.repeat(32));
      expect(r.extra).toEqual({});
    } finally {
      store.close();
    }
  });
});

describe('per-class breakdown', () => {
  it('counts clean and worst-case accuracy per true class from the stored outcomes', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const data = loadReportData(store, subject.auditId);
      const o = store.outcomes.load(subject.auditId);
      const classes = [...new Set(o.labels)].sort((a, b) => a - b);
      expect(data.perClass.map((r) => r.className)).toEqual(
        classes.map((k) => store.models.list('classifier')[0].classNames[k]),
      );
      classes.forEach((k, j) => {
        const idx = o.labels.flatMap((y, i) => (y === k ? [i] : []));
        const robust = idx.filter((i) => o.cleanCorrect[i] && o.attacks.every((a) => a.correct[i]));
        expect(data.perClass[j]).toMatchObject({
          total: idx.length,
          cleanCorrect: idx.filter((i) => o.cleanCorrect[i]).length,
          worstCorrect: robust.length,
        });
      });
      expect(data.perClass.reduce((s, r) => s + r.worstCorrect, 0)).toBe(data.worstCase.correct);
    } finally {
      store.close();
    }
  });
});

describe('confusion matrices', () => {
  it('count every stored sample once, clean and under the strongest attack, and are printed', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const data = loadReportData(store, subject.auditId);
      const outcomes = store.outcomes.load(subject.auditId);
      const attacks = store.attackResults.list(subject.auditId);
      const strongest = [...attacks].sort((a, b) => a.accuracy - b.accuracy)[0];
      expect(data.confusion!.map((c) => c.source)).toEqual([
        'clean images',
        `under ${strongest.name}`,
      ]);
      for (const c of data.confusion!) {
        // Row sums are the per-class sample counts; the diagonal of the clean one is the clean count.
        expect(c.counts.map((r) => r.reduce((a, b) => a + b, 0))).toEqual(
          data.perClass.map((r) => r.total),
        );
      }
      const diagonal = data.confusion![0].counts.reduce((n, r, i) => n + r[i], 0);
      expect(diagonal).toBe(outcomes.cleanCorrect.filter(Boolean).length);
      const flat = pdfText(path.join(home, 'report.pdf')).replace(/\s+/g, ' ');
      expect(flat).toContain('Confusion matrix, clean images');
      expect(flat).toContain(`Confusion matrix, under ${strongest.name}`);
    } finally {
      store.close();
    }
  });
});

describe('stored numbers that disagree', () => {
  it('refuses to report a worst case its per-sample outcomes do not give', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const bad = seedAudit(store, 'broken', 31, 120, true);
      expect(() => loadReportData(store, bad.auditId)).toThrow(
        new RegExp(
          `audit "${bad.auditId}": stored worst-case accuracy .* disagrees with its per-sample outcomes`,
        ),
      );
    } finally {
      store.close();
    }
  });
});

describe('report records', () => {
  it('lists each written file in the reports table with its size and checksum', () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const reports = store.reports.list(subject.auditId);
      expect(reports.map((r) => r.format).sort()).toEqual(['json', 'pdf']);
      for (const r of reports) {
        const bytes = fs.readFileSync(r.path);
        expect(r.bytes).toBe(bytes.length);
        expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(r.auditIds).toEqual([subject.auditId, other.auditId]);
      }
    } finally {
      store.close();
    }
  });
});

describe('exportReport', () => {
  it('writes to $DMAT_HOME/reports/<id>.<ext> when no path is given', async () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    try {
      const info = await exportReport(store, { auditIds: [subject.auditId], format: 'json' });
      expect(info.path).toBe(path.join(home, 'reports', `${info.id}.json`));
      const data = parseReportJson(fs.readFileSync(info.path, 'utf8'));
      expect(data.audit.id).toBe(subject.auditId);
      expect(data.comparisons).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('dmat report with bad input', () => {
  it('names an unknown audit and writes nothing', async () => {
    const out = path.join(home, 'missing.pdf');
    const r = await dmatInProcess(['report', 'aud_nope', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dmat report: audit "aud_nope" not found/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses an audit that has not finished', async () => {
    const out = path.join(home, 'queued.pdf');
    const r = await dmatInProcess(['report', queuedId, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`audit "${queuedId}" is queued; only a finished audit`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('asks for an output file and a .pdf name', async () => {
    expect((await dmatInProcess(['report', subject.auditId])).stderr).toContain('--out FILE.pdf');
    const r = await dmatInProcess(['report', subject.auditId, '--out', path.join(home, 'x.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out must name a .pdf file');
  });

  it('names a missing output folder instead of creating it', async () => {
    const out = path.join(home, 'no-such-folder', 'report.pdf');
    const r = await dmatInProcess(['report', subject.auditId, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `dmat report: cannot write ${out}: folder ${path.dirname(out)} does not exist`,
    );
    expect(fs.existsSync(path.dirname(out))).toBe(false);
  });

  it('leaves no temporary file behind', () => {
    expect(fs.readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a comparison of audits that cannot be compared', () => {
  it('says what differs, marks it, and never claims the same samples', async () => {
    const store = openStore(path.join(home, 'dmat.sqlite'));
    let smaller: SeededAudit;
    try {
      smaller = seedAudit(store, 'dmat', 41, 120);
    } finally {
      store.close();
    }
    // The two audits of the main report ran with different seeds, so other samples: said so.
    const first = pdfText(path.join(home, 'report.pdf')).replace(/\s+/g, ' ');
    expect(first).not.toContain('same attacks, budgets and samples');
    expect(first).toContain('These audits differ in seed (11 / 23)');

    const out = path.join(home, 'unequal.pdf');
    const r = await dmat(['report', subject.auditId, '--out', out, '--compare', smaller.auditId]);
    expect(r.code).toBe(0);
    const text = pdfText(out);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).not.toContain('same attacks, budgets and samples');
    expect(flat).toContain('These audits differ in samples (240 / 120); seed (11 / 41)');
    // Both rows are named "dmat": each carries its audit id.
    for (const id of [subject.auditId, smaller.auditId]) expect(flat).toContain(id);
    expect(flat).toContain('n = 120');
    expect(flat).toContain('n = 240');
  });
});
