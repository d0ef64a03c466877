/**
 * The shared chart builders rendered server-side, as the PDF draws them: the SVG carries the
 * numbers the screen shows, and every builder's SVG goes into a PDF without a single warning.
 */
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import {
  accuracyVsEpsOption,
  attackAccuracyOption,
  modelComparisonOption,
} from '../../src/shared/charts';
import { fontPaths } from '../../src/main/engine/report/fonts';
import { drawChart, renderChartSvg } from '../../src/main/engine/report/svg-chart';

const attackData = {
  standardAccuracy: 0.861,
  worstCaseAccuracy: 0.476,
  attacks: [
    { name: 'FGSM', accuracy: 0.612 },
    { name: 'PGD-50', accuracy: 0.497 },
    { name: 'OM-PGD-50', accuracy: 0.431 },
  ],
};

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('server-side charts', () => {
  it('renders the attack bar chart with every name and the rounded accuracy labels', () => {
    const svg = renderChartSvg(attackAccuracyOption(attackData), 640, 300);
    expect(svg.startsWith('<svg')).toBe(true);
    const labels = texts(svg);
    for (const a of attackData.attacks) {
      expect(labels).toContain(a.name);
      // Labels are the accuracy in percent, rounded to one decimal, as on screen.
      expect(
        labels.some((t) => t.startsWith(`${(Math.round(a.accuracy * 1000) / 10).toFixed(1)}`)),
      ).toBe(true);
    }
    // One bar path per value: clean, three attacks, worst case.
    expect(svg.match(/<path d="M[^"]*Z"[^>]*fill="#/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('writes the one embedded font family into the SVG, whatever the builder asked for', () => {
    const svg = renderChartSvg(attackAccuracyOption(attackData), 640, 300);
    const families = new Set([...svg.matchAll(/font-family:([^;"]*)/g)].map((m) => m[1]));
    expect([...families]).toEqual(['DejaVu Sans']);
  });

  it('draws every shared builder into a PDF without warnings', async () => {
    const fonts = fontPaths();
    const doc = new PDFDocument({ size: 'A4' });
    doc.registerFont('regular', fonts.regular);
    doc.registerFont('bold', fonts.bold);
    const options = [
      attackAccuracyOption(attackData),
      accuracyVsEpsOption({
        unit: 'pixel [0,1]',
        over255: true,
        curves: [
          {
            name: 'PGD-50',
            points: [0, 2, 4, 8].map((k, i) => ({
              eps: k / 255,
              accuracy: [0.86, 0.7, 0.5, 0.19][i],
            })),
          },
        ],
      }),
      modelComparisonOption({
        columns: ['Standard', 'PGD-50'],
        models: [
          { name: 'at', accuracies: [0.84, 0.52] },
          { name: 'dmat', accuracies: [0.86, null] },
        ],
      }),
    ];
    for (const option of options) {
      expect(() =>
        drawChart(doc, option, 50, 50, 400, 200, { regular: 'regular', bold: 'bold' }),
      ).not.toThrow();
    }
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => {
      doc.on('end', resolve);
      doc.end();
    });
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
