/** Threat-model table: every attack with its budget, steps, step size and the unit they are in. */
import { budgetSymbol, formatEps, formatNorm } from '../format';
import type { ReportLayout } from '../layout';
import { drawTable } from '../table';
import type { ReportData } from '../types';

/** Marks unseen attacks in the table; explained in a footnote below it. */
export const UNSEEN_MARK = '†';

export function threatModelSection(layout: ReportLayout, data: ReportData): void {
  layout.heading('Threat model');
  layout.paragraph(
    'All attacks are untargeted and maximise the classification loss on the true label. ' +
      'Image-space budgets (ε) are in [0,1] pixel units, so 4/255 is 4/255 of the full intensity ' +
      'range; on-manifold budgets (η) are in the latent units of the generator. Step sizes are in ' +
      'the same unit as the budget of their row. Latent attacks perturb the latent code w and ' +
      'attack the composition f∘g of classifier and generator.',
    { color: '#3e4c59' },
  );
  drawTable(layout, {
    caption: layout.tableCaption('Attacks in this audit'),
    columns: [
      { header: 'Attack', weight: 2.1 },
      { header: 'Space', weight: 1.1 },
      { header: 'Norm', weight: 1.0 },
      { header: 'Budget', weight: 1.6, align: 'right' },
      { header: 'Unit', weight: 2.3 },
      { header: 'Steps', weight: 1.2, align: 'right' },
      { header: 'Step size', weight: 1.5, align: 'right' },
      { header: 'Random start', weight: 1.4, align: 'center' },
      { header: 'Worst case', weight: 1.2, align: 'center' },
    ],
    fontSize: 8.5,
    rows: data.attacks.map((a) => ({
      cells: [
        a.seen ? a.name : `${a.name} ${UNSEEN_MARK}`,
        a.space,
        formatNorm(a.norm),
        `${budgetSymbol(a.space)} = ${formatEps(a.eps, a.unit, a.norm)}`,
        a.unit,
        a.steps === undefined
          ? '—'
          : a.restarts && a.restarts > 1
            ? `${a.steps} × ${a.restarts}`
            : String(a.steps),
        a.stepSize === undefined ? '—' : formatEps(a.stepSize, a.unit, a.norm),
        a.randomStart === undefined ? '—' : a.randomStart ? 'yes' : 'no',
        a.inWorstCase ? 'yes' : 'no',
      ],
    })),
  });
  if (data.attacks.some((a) => !a.seen)) {
    layout.paragraph(
      `${UNSEEN_MARK} Unseen attack: a threat model no training method in the paper uses.`,
      {
        size: 8.5,
        color: '#616e7c',
        after: 2,
      },
    );
  }
  // One note per distinct text: attacks that share a setting are named together.
  const notes = new Map<string, string[]>();
  for (const a of data.attacks) {
    const text = [
      a.unitDetail ? `budget in ${a.unitDetail}` : '',
      a.referenceNote ? `reference setting ${a.referenceNote}` : '',
      a.budgetNote ?? '',
    ]
      .filter(Boolean)
      .join('; ');
    if (text) notes.set(text, [...(notes.get(text) ?? []), a.name]);
  }
  for (const [text, names] of notes) {
    layout.paragraph(`${names.join(', ')}: ${text}.`, { size: 8.5, color: '#616e7c', after: 2 });
  }
}
