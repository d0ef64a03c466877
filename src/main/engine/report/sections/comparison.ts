/**
 * Several models against the same attacks, laid out as the paper's Tables 1–4: one row per model,
 * one column per attack, the best value of each column in bold, the audited model highlighted.
 */
import { modelComparisonOption } from '../../../../shared/charts';
import { formatAccuracy } from '../format';
import type { ReportLayout } from '../layout';
import { drawTable } from '../table';
import type { ReportComparison, ReportData } from '../types';
import { chartBlock } from './accuracy';

function bestPerColumn(c: ReportComparison): number[] {
  return c.columns.map((_, j) =>
    Math.max(...c.rows.map((r) => r.accuracies[j] ?? Number.NEGATIVE_INFINITY)),
  );
}

export function comparisonSection(layout: ReportLayout, data: ReportData): void {
  if (data.comparisons.length === 0) return;
  layout.heading('Comparison of models', 200);
  const note = data.comparisons[0].note;
  layout.paragraph(
    `${note ? `${note} ` : ''}The best accuracy in each column is in bold; the audited model is shaded.`,
    { color: '#3e4c59' },
  );
  for (const c of data.comparisons) {
    const best = bestPerColumn(c);
    if (c.caption) layout.paragraph(c.caption, { size: 9, color: '#616e7c' });
    drawTable(layout, {
      caption: layout.tableCaption(c.title),
      fontSize: c.columns.length > 8 ? 7.5 : 8.5,
      columns: [
        { header: 'Method', weight: 3 },
        ...c.columns.map((label) => ({
          header: c.differingColumns?.includes(label) ? `${label} ≠` : label,
          weight: 1.25,
          align: 'right' as const,
        })),
      ],
      rows: c.rows.map((r) => ({
        fill: r.isSubject ? '#e8f0fb' : undefined,
        cells: [
          {
            text: [r.method ? `${r.model} — ${r.method}` : r.model, r.settings]
              .filter(Boolean)
              .join('\n'),
            bold: r.isSubject,
          },
          ...r.accuracies.map((a, j) => ({
            text: formatAccuracy(a),
            bold: a !== null && a === best[j],
          })),
        ],
      })),
    });
    chartBlock(
      layout,
      modelComparisonOption({
        columns: c.columns,
        models: c.rows.map((r) => ({ name: r.model, accuracies: r.accuracies })),
      }),
      210,
      layout.figureCaption(c.title),
    );
  }
}
