/** Accuracy against budget, one chart per budget unit and norm (budgets in different units share no axis). */
import { accuracyVsEpsOption } from '../../../../shared/charts';
import { budgetSymbol, formatAccuracy, formatCount, formatEps, formatNorm } from '../format';
import type { ReportLayout } from '../layout';
import { drawTable } from '../table';
import type { ReportData, ReportSweep } from '../types';
import { chartBlock } from './accuracy';

function groupByAxis(sweeps: ReportSweep[]): ReportSweep[][] {
  const groups = new Map<string, ReportSweep[]>();
  for (const s of sweeps) {
    const key = `${s.unit}|${s.norm}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

export function sweepsSection(layout: ReportLayout, data: ReportData): void {
  if (data.sweeps.length === 0) return;
  layout.heading('Accuracy against budget', 300);
  layout.paragraph(
    'Accuracy should fall as the budget grows; a curve that stays flat or rises points to gradient ' +
      'masking or a broken attack (see the sanity checks).',
    { color: '#3e4c59' },
  );
  for (const group of groupByAxis(data.sweeps)) {
    const first = group[0];
    const over255 = first.unit === 'pixel [0,1]' && first.norm === 'linf';
    const option = accuracyVsEpsOption({
      unit: first.unit,
      over255,
      curves: group.map((s) => ({ name: s.attackName, points: s.points })),
    });
    chartBlock(
      layout,
      option,
      220,
      layout.figureCaption(`Accuracy against ${formatNorm(first.norm)} budget (${first.unit}).`),
    );
  }
  // Counts are shown only when the sweep stored them; accuracies always are.
  const withCounts = data.sweeps.every((s) =>
    s.points.every((p) => p.correct !== undefined && p.total !== undefined),
  );
  drawTable(layout, {
    caption: layout.tableCaption('Accuracy at each budget'),
    columns: [
      { header: 'Attack', weight: 2.2 },
      { header: 'Budget', weight: 1.6, align: 'right' },
      { header: 'Unit', weight: 1.6 },
      ...(withCounts ? [{ header: 'Correct / total', weight: 1.6, align: 'right' as const }] : []),
      { header: 'Accuracy', weight: 1.3, align: 'right' },
    ],
    rows: data.sweeps.flatMap((s) =>
      s.points.map((p) => ({
        cells: [
          s.attackName,
          `${budgetSymbol(s.unit === 'latent' ? 'latent' : 'image')} = ${formatEps(p.eps, s.unit, s.norm)}`,
          s.unit,
          ...(withCounts ? [formatCount(p.correct as number, p.total as number)] : []),
          formatAccuracy(p.accuracy),
        ],
      })),
    ),
  });
}
