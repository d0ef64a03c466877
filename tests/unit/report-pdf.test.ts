import { execFileSync } from 'node:child_process';
import { formatInterval, wilsonInterval } from '../../src/shared/interval';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatBudget,
  formatCount,
  formatEps,
  parseReportJson,
  renderReportPdf,
  reportToJson,
  verdictLine,
  writeReport,
  writeReportJson,
  type ReportData,
} from '../../src/main/engine/report';
import { UNSEEN_MARK } from '../../src/main/engine/report/sections/threat-model';
import { makeReportData } from './report-fixture';
import {
  inkFraction,
  pdfPages,
  pdfText,
  percentagesIn,
  renderPages,
  rowsStartingWith,
} from './report-pdf-tools';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmat-report-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function render(data: ReportData, name: string): Promise<string> {
  const file = path.join(dir, name);
  await writeReport(data, file);
  return file;
}

describe('PDF report of a hand-built audit', () => {
  const data = makeReportData();
  let pdf: string;
  let text: string;
  beforeAll(async () => {
    pdf = await render(data, 'report.pdf');
    text = pdfText(pdf);
  });

  it('prints every attack with its budget, unit and accuracy on one table row', () => {
    for (const a of data.attacks) {
      const budget = formatBudget(a.eps, a.unit, a.norm);
      const rows = rowsStartingWith(text, a.name).filter((l) => l.includes(budget));
      expect(rows, `accuracy row of ${a.name}`).toHaveLength(1);
      // The accuracy printed is correct / total, computed here independently of the report code.
      expect(percentagesIn(rows[0])[0]).toBeCloseTo(a.correct / a.total, 4);
      expect(rows[0]).toContain(formatCount(a.correct, a.total));
      // Its 95 % Wilson interval beside it.
      expect(rows[0]).toContain(formatInterval(wilsonInterval(a.correct, a.total)));
    }
  });

  it('prints the threat model: budget symbol, unit, steps and step size of every attack', () => {
    for (const a of data.attacks) {
      const symbol = a.space === 'latent' ? 'η' : 'ε';
      const rows = rowsStartingWith(text, a.seen ? a.name : `${a.name} ${UNSEEN_MARK}`).filter(
        (l) =>
          l.includes(`${symbol} = ${formatEps(a.eps, a.unit, a.norm)}`) && /\b(yes|no)\s*$/.test(l),
      );
      expect(rows, `threat-model row of ${a.name}`).toHaveLength(1);
      expect(rows[0]).toContain(a.unit);
      expect(rows[0]).toContain(String(a.steps));
      expect(rows[0]).toContain(formatEps(a.stepSize as number, a.unit, a.norm));
    }
  });

  it('leads with the worst-case verdict and prints clean and worst case in the table', () => {
    const first = pdfPages(pdf)[0].replace(/\s+/g, ' ');
    expect(first).toContain(verdictLine(data).replace(/\s+/g, ' '));
    const worst = rowsStartingWith(text, 'Worst case').find((l) => l.includes('attacks'));
    expect(percentagesIn(worst ?? '')[0]).toBeCloseTo(
      data.worstCase.correct / data.worstCase.total,
      4,
    );
    const clean = rowsStartingWith(text, 'Clean (standard)')[0];
    expect(percentagesIn(clean)[0]).toBeCloseTo(data.clean.correct / data.clean.total, 4);
  });

  it('has the sweep, comparison, sanity, gallery and appendix sections with their numbers', () => {
    for (const s of data.sweeps) {
      for (const p of s.points) {
        // pdftotext may drop the spaces around "=" in a short right-aligned cell.
        const row = rowsStartingWith(text, s.attackName).find(
          (l) =>
            l.replace(/\s*=\s*/g, '=').includes(`=${formatEps(p.eps, s.unit, s.norm)} `) &&
            l.includes(formatCount(p.correct!, p.total!)),
        );
        expect(row, `${s.attackName} at ${p.eps}`).toBeDefined();
        expect(percentagesIn(row!)[0]).toBeCloseTo(p.accuracy, 4);
      }
    }
    for (const r of data.comparisons[0].rows) {
      const row = text.split('\n').find((l) => l.trim().startsWith(`${r.model} — `));
      expect(percentagesIn(row ?? '')).toEqual(
        r.accuracies.map((a) => Number(((a ?? 0) * 100).toFixed(2)) / 100),
      );
    }
    const flat = text.replace(/\s+/g, ' ');
    for (const f of data.sanity) {
      // Long titles wrap inside their cell: the row's first line holds the status and the title's start.
      const start = f.title.split(' ').slice(0, 2).join(' ');
      const row = rowsStartingWith(text, f.severity.toUpperCase()).find((l) => l.includes(start));
      expect(row, f.title).toBeDefined();
    }
    expect(flat).toContain(data.reproducibility.configHash.slice(0, 40));
    expect(flat).toContain(`audit = ${data.reproducibility.seeds.audit}`);
    for (const g of data.gallery)
      expect(flat).toContain(`adversarial prediction: ${g.adversarialPrediction}`);
  });

  it('prints the per-class table with each class on one row', () => {
    for (const r of data.perClass) {
      const row = rowsStartingWith(text, r.className).find((l) => l.includes(String(r.total)));
      expect(row, r.className).toBeDefined();
      const [clean, worst] = percentagesIn(row!);
      expect(clean).toBeCloseTo(r.cleanCorrect / r.total, 4);
      expect(worst).toBeCloseTo(r.worstCorrect / r.total, 4);
    }
  });

  it('embeds its fonts', () => {
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' })
      .split('\n')
      .slice(2)
      .filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) {
      expect(line).toMatch(/DejaVu/);
      expect(line).toMatch(/\byes\s+yes\s+yes\b/); // emb, sub, uni
    }
  });

  it('renders every page as a non-blank image', () => {
    const pngDir = fs.mkdtempSync(path.join(dir, 'png-'));
    const pages = renderPages(pdf, pngDir);
    expect(pages.length).toBe(pdfPages(pdf).length);
    expect(pages.length).toBeGreaterThanOrEqual(5);
    for (const p of pages) expect(inkFraction(p), p).toBeGreaterThan(0.003);
  });

  it('keeps each chart whole: its caption is on the page that holds its axis', () => {
    const pages = pdfPages(pdf);
    const figures = pages.flatMap((p) => [...p.matchAll(/Figure \d+\./g)].map(() => p));
    expect(figures.length).toBeGreaterThanOrEqual(3);
    for (const page of figures) expect(page).toContain('accuracy (%)');
  });

  it('is reproducible: the same data gives the same bytes', async () => {
    const again = await renderReportPdf(data);
    expect(createHash('sha256').update(again).digest('hex')).toBe(
      createHash('sha256').update(fs.readFileSync(pdf)).digest('hex'),
    );
  });

  it('exports the same data as JSON, images included', async () => {
    const file = path.join(dir, 'report.json');
    await writeReportJson(data, file);
    const back = parseReportJson(fs.readFileSync(file, 'utf8'));
    expect(back).toEqual(data);
    expect(JSON.parse(reportToJson(data)).attacks[1].accuracy).toBe(data.attacks[1].accuracy);
  });
});

describe('page breaks', () => {
  it('repeats a long table header on every page and never splits a row', async () => {
    const data = makeReportData({ attacks: 60, gallery: 14 });
    const pdf = await render(data, 'long.pdf');
    const pages = pdfPages(pdf);
    const threatPages = pages.filter((p) => /Attacks in this audit/.test(p));
    expect(threatPages.length).toBeGreaterThanOrEqual(2);
    threatPages.slice(1).forEach((p) => expect(p).toContain('Attacks in this audit (continued)'));
    for (const page of threatPages) expect(page).toMatch(/Attack\s+Space\s+Norm\s+Budget\s+Unit/);
    const text = pages.join('\n');
    for (const a of data.attacks) {
      const name = a.seen ? a.name : `${a.name} ${UNSEEN_MARK}`;
      const rows = rowsStartingWith(text, name).filter(
        (l) => l.includes(a.unit) && l.includes(' = '),
      );
      // Exactly one complete threat-model row per attack: a split row would leave pieces on two lines.
      expect(
        rows.filter((l) => /\b(yes|no)\s*$/.test(l)),
        name,
      ).toHaveLength(1);
    }
    // Gallery items are never cut: every item's last text line sits on the page of its name.
    for (const page of pages.filter((p) => p.includes('difference gain'))) {
      expect(page.split('true class:').length).toBe(page.split('difference gain').length);
    }
  });
});
