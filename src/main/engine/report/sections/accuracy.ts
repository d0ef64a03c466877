/**
 * Accuracy per attack: the shared bar chart (clean, each attack, worst case) and a table with the
 * counts behind every percentage, the drop from clean accuracy and the time each attack took.
 */
import { attackAccuracyOption } from '../../../../shared/charts';
import { formatAccuracy, formatBudget, formatCount, formatDuration } from '../format';
import { INK, type ReportLayout } from '../layout';
import { drawChart } from '../svg-chart';
import { drawTable, type TableRow } from '../table';
import type { ReportCount, ReportData } from '../types';
import { formatInterval, wideIntervalNote, wilsonInterval } from '../../../../shared/interval';
import { weakestAttack } from './title';

/** Attack bars per chart; more are split over several charts. */
const BARS_PER_CHART = 8;

export const CHART_FONTS = { regular: 'regular', bold: 'bold' };

/** Draws a shared-builder chart at full text width, on a new page if it would be cut. */
export function chartBlock(
  layout: ReportLayout,
  option: object,
  height: number,
  caption: string,
): void {
  layout.ensure(height + 22);
  drawChart(layout.doc, option, layout.left, layout.y, layout.width, height, CHART_FONTS);
  layout.y += height + 4;
  layout.setFont('regular', 8.5, INK.muted);
  layout.doc.text(caption, layout.left, layout.y, { width: layout.width, align: 'center' });
  layout.space(12);
}

/** Change from the clean accuracy in percentage points: "−12.50 pts", "0.00 pts", "+1.25 pts". */
export function drop(clean: number, acc: number): string {
  const points = Math.abs((clean - acc) * 100).toFixed(2);
  if (Number(points) === 0) return '0.00 pts';
  return `${acc < clean ? '−' : '+'}${points} pts`;
}

const intervalOf = (c: ReportCount) => wilsonInterval(c.correct, c.total);

export function accuracySection(layout: ReportLayout, data: ReportData): void {
  layout.heading('Accuracy per attack', 300);
  const weakest = weakestAttack(data);
  layout.paragraph(
    `Clean accuracy is ${formatAccuracy(data.clean.accuracy)}. ` +
      (weakest
        ? `The strongest single attack is ${weakest.name} (${formatAccuracy(weakest.accuracy)}). `
        : '') +
      `A sample counts as robust in the worst case only if every attack counted there (Table 1) left ` +
      `it correctly classified: ${formatAccuracy(data.worstCase.accuracy)}.`,
    { color: '#3e4c59' },
  );
  // Past a dozen bars the labels collide: the attacks are shown over several charts, each with
  // the clean and worst-case bars for reference.
  const chunks = Math.ceil(data.attacks.length / BARS_PER_CHART) || 1;
  const perChart = Math.ceil(data.attacks.length / chunks);
  for (let c = 0; c < chunks; c++) {
    const attacks = data.attacks.slice(c * perChart, (c + 1) * perChart);
    const option = attackAccuracyOption({
      standardAccuracy: data.clean.accuracy,
      worstCaseAccuracy: data.worstCase.accuracy,
      attacks: attacks.map((a) => ({ name: a.name, accuracy: a.accuracy })),
    });
    const part = chunks > 1 ? ` (part ${c + 1} of ${chunks})` : '';
    chartBlock(
      layout,
      option,
      230,
      layout.figureCaption(
        `Accuracy under each attack${part} (green: clean, red: per-sample worst case).`,
      ),
    );
  }

  const rows: TableRow[] = [
    {
      cells: [
        'Clean (standard)',
        '—',
        formatCount(data.clean.correct, data.clean.total),
        formatAccuracy(data.clean.accuracy),
        formatInterval(intervalOf(data.clean)),
        '—',
        '—',
      ],
    },
    ...data.attacks.map((a) => ({
      cells: [
        a.notes?.length ? { text: `${a.name}\n${a.notes.join('\n')}`, color: INK.warn } : a.name,
        formatBudget(a.eps, a.unit, a.norm),
        formatCount(a.correct, a.total),
        {
          text: formatAccuracy(a.accuracy),
          bold: a === weakest,
          color: a === weakest ? INK.bad : undefined,
        },
        formatInterval(intervalOf(a)),
        drop(data.clean.accuracy, a.accuracy),
        formatDuration(a.timeMs),
      ],
    })),
    {
      bold: true,
      fill: '#fdf0f0',
      cells: [
        'Worst case',
        `${data.worstCase.attackIds.length} attacks`,
        formatCount(data.worstCase.correct, data.worstCase.total),
        { text: formatAccuracy(data.worstCase.accuracy), color: INK.bad },
        formatInterval(intervalOf(data.worstCase)),
        drop(data.clean.accuracy, data.worstCase.accuracy),
        '—',
      ],
    },
  ];
  drawTable(layout, {
    caption: layout.tableCaption('Accuracy per attack'),
    // Seven columns: a point smaller than the other tables, so no number wraps.
    fontSize: 8,
    columns: [
      { header: 'Attack', weight: 2.1 },
      { header: 'Budget', weight: 2.2 },
      { header: 'Correct / total', weight: 1.9, align: 'right' },
      { header: 'Accuracy', weight: 1.3, align: 'right' },
      { header: '95 % CI', weight: 1.6, align: 'right' },
      { header: 'vs clean', weight: 1.6, align: 'right' },
      { header: 'Time', weight: 1.4, align: 'right' },
    ],
    rows,
  });
  layout.paragraph(
    'Intervals are 95 % Wilson score intervals over the samples counted in each row. ' +
      (wideIntervalNote([data.clean, data.worstCase, ...data.attacks].map(intervalOf)) ?? ''),
    { color: '#3e4c59' },
  );
}

/** Per-class breakdown: where robustness is weakest, by true class. */
export function perClassTable(layout: ReportLayout, data: ReportData): void {
  if (data.perClass.length < 2) return;
  const worstRate = (r: ReportData['perClass'][number]) => r.worstCorrect / r.total;
  const weakest = data.perClass.reduce((a, b) => (worstRate(b) < worstRate(a) ? b : a));
  drawTable(layout, {
    caption: layout.tableCaption('Accuracy per true class (from the per-sample outcomes)'),
    columns: [
      { header: 'Class', weight: 2.4 },
      { header: 'Samples', weight: 1.2, align: 'right' },
      { header: 'Clean', weight: 1.6, align: 'right' },
      { header: 'Worst case', weight: 1.6, align: 'right' },
      { header: 'vs clean', weight: 1.4, align: 'right' },
    ],
    rows: data.perClass.map((r) => ({
      cells: [
        r.className,
        String(r.total),
        formatAccuracy(r.cleanCorrect / r.total),
        {
          text: formatAccuracy(worstRate(r)),
          bold: r === weakest,
          color: r === weakest ? INK.bad : undefined,
        },
        drop(r.cleanCorrect / r.total, worstRate(r)),
      ],
    })),
  });
}

/** Confusion matrices (true class × prediction), clean and under the strongest attack. */
export function confusionTables(layout: ReportLayout, data: ReportData): void {
  const names = data.perClass.map((r) => r.className);
  for (const c of data.confusion ?? []) {
    const k = c.counts.length;
    drawTable(layout, {
      caption: layout.tableCaption(
        `Confusion matrix, ${c.source} (rows: true class, columns: prediction)`,
      ),
      fontSize: 7,
      columns: [
        { header: 'true ↓ / predicted →', weight: 3.2 },
        ...Array.from({ length: k }, (_, j) => ({
          header: String(j),
          weight: 1,
          align: 'right' as const,
        })),
      ],
      rows: c.counts.map((row, i) => ({
        cells: [
          `${i} ${names[i] ?? ''}`.trim(),
          ...row.map((v, j) => ({
            text: v === 0 ? '·' : String(v),
            bold: i === j,
            color: i !== j && v > 0 ? INK.bad : undefined,
          })),
        ],
      })),
    });
  }
}
