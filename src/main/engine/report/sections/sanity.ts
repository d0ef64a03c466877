/** Sanity checks (gradient masking and evaluation quality), each with its status and one sentence. */
import { INK, type ReportLayout } from '../layout';
import { drawTable } from '../table';
import type { ReportData, SanitySeverity } from '../types';

const STATUS: Record<SanitySeverity, { label: string; color: string; order: number }> = {
  fail: { label: 'FAIL', color: INK.bad, order: 0 },
  warning: { label: 'WARNING', color: INK.warn, order: 1 },
  info: { label: 'INFO', color: INK.muted, order: 2 },
  'not-run': { label: 'NOT RUN', color: INK.muted, order: 3 },
  pass: { label: 'PASS', color: INK.good, order: 4 },
};

export function sanitySection(layout: ReportLayout, data: ReportData): void {
  layout.heading('Sanity checks', 120);
  if (data.sanity.length === 0) {
    layout.paragraph(
      'No sanity flag is stored for this audit: either every check passed or the checks were ' +
        'not run. Robust accuracies are upper bounds until a stronger adaptive attack (such as ' +
        'APGD) confirms them.',
      { color: '#3e4c59' },
    );
    return;
  }
  const problems = data.sanity.filter((f) => f.severity === 'fail' || f.severity === 'warning');
  const notRun = data.sanity.filter((f) => f.severity === 'not-run').length;
  layout.paragraph(
    problems.length === 0
      ? notRun === 0
        ? 'Every check passed: no sign of gradient masking or a broken evaluation.'
        : `Every check that ran passed; ${notRun} did not apply to this suite (marked NOT RUN), ` +
          'so they say nothing either way.'
      : `${problems.length} check${problems.length === 1 ? '' : 's'} raised a flag: the robust ` +
          'accuracies may overestimate the true robustness until the flags are resolved.',
    { color: '#3e4c59' },
  );
  const sorted = [...data.sanity].sort(
    (a, b) => STATUS[a.severity].order - STATUS[b.severity].order,
  );
  drawTable(layout, {
    caption: layout.tableCaption('Sanity checks'),
    columns: [
      { header: 'Status', weight: 1.3 },
      { header: 'Check', weight: 2.4 },
      { header: 'Explanation', weight: 5.5 },
    ],
    rows: sorted.map((f) => ({
      cells: [
        { text: STATUS[f.severity].label, bold: true, color: STATUS[f.severity].color },
        f.title,
        f.explanation,
      ],
    })),
  });
}
