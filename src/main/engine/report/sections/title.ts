/**
 * Title page: what was audited, on which data, when, and the verdict in one line — the per-sample
 * worst-case accuracy — followed by key facts and a contents list filled in once pages exist.
 */
import { formatAccuracy, formatCount, formatDate, formatPlain } from '../format';
import { INK, type ReportLayout } from '../layout';
import type { ReportData } from '../types';

/** The one-line verdict, also used by the CLI's summary. */
export function verdictLine(data: ReportData): string {
  const wc = data.worstCase;
  const counted = data.attacks.filter((a) => a.inWorstCase).length;
  const weakest = weakestAttack(data);
  const parts = [
    `Worst-case accuracy ${formatAccuracy(wc.accuracy)} (${formatCount(wc.correct, wc.total)}) over ${counted} attack${counted === 1 ? '' : 's'}`,
    `clean accuracy ${formatAccuracy(data.clean.accuracy)}`,
  ];
  if (weakest)
    parts.push(`strongest single attack ${weakest.name} at ${formatAccuracy(weakest.accuracy)}`);
  return `${parts.join('; ')}.`;
}

/** The attack with the lowest accuracy (the strongest adversary). */
export function weakestAttack(data: ReportData) {
  return data.attacks.reduce<ReportData['attacks'][number] | undefined>(
    (best, a) => (best === undefined || a.accuracy < best.accuracy ? a : best),
    undefined,
  );
}

export interface TitlePageHandle {
  /** Draws the contents list on the title page once every section knows its page. */
  drawContents(): void;
}

export function titlePage(layout: ReportLayout, data: ReportData): TitlePageHandle {
  const { doc } = layout;
  doc.rect(0, 0, doc.page.width, 10).fillColor(INK.accent).fill();

  layout.y = 92;
  layout.setFont('bold', 10, INK.accent);
  doc.text('DMAT STUDIO  ·  ROBUSTNESS AUDIT', layout.left, layout.y, { characterSpacing: 1.2 });
  layout.space(10);
  layout.setFont('bold', 26, INK.text);
  doc.text(data.title ?? 'Adversarial robustness report', layout.left, layout.y, {
    width: layout.width,
  });
  layout.space(6);
  layout.setFont('regular', 14, INK.text);
  doc.text(data.model.name, layout.left, layout.y, { width: layout.width, continued: false });
  layout.setFont('regular', 11, INK.muted);
  const datasetLine = [data.dataset.name, data.dataset.split, `${data.dataset.samples} samples`]
    .filter(Boolean)
    .join(' · ');
  doc.text(`evaluated on ${datasetLine}`, layout.left, layout.y, { width: layout.width });
  doc.text(
    `Audit ${data.audit.id} · ${formatDate(data.audit.createdAt)}`,
    layout.left,
    layout.y + 2,
    {
      width: layout.width,
    },
  );
  layout.space(22);

  // Verdict box: the number a reviewer looks for first.
  const verdict = verdictLine(data);
  const boxWidth = layout.width;
  const textWidth = boxWidth - 32;
  const bigHeight = 30;
  const verdictHeight = layout.textHeight(verdict, textWidth, { size: 10.5 });
  const boxHeight = 18 + 12 + bigHeight + verdictHeight + 14;
  const boxY = layout.y;
  doc.roundedRect(layout.left, boxY, boxWidth, boxHeight, 4).fillColor(INK.headerFill).fill();
  doc.rect(layout.left, boxY, 4, boxHeight).fillColor(INK.accent).fill();
  layout.setFont('bold', 9, INK.muted);
  doc.text('VERDICT — PER-SAMPLE WORST CASE', layout.left + 18, boxY + 14, {
    characterSpacing: 0.8,
  });
  layout.setFont('bold', 26, INK.text);
  doc.text(formatAccuracy(data.worstCase.accuracy), layout.left + 18, boxY + 30, {
    lineBreak: false,
  });
  layout.setFont('regular', 10.5, INK.text);
  doc.text(verdict, layout.left + 18, boxY + 30 + bigHeight + 6, {
    width: textWidth,
    lineGap: 1.5,
  });
  layout.y = boxY + boxHeight + 22;

  const flags = data.sanity;
  const tally = (severity: string, one: string, many: string) => {
    const n = flags.filter((f) => f.severity === severity).length;
    return n === 0 ? '' : `${n} ${n === 1 ? one : many}`;
  };
  const sanitySummary =
    flags.length === 0
      ? 'no flags stored'
      : [
          tally('fail', 'failed', 'failed'),
          tally('warning', 'warning', 'warnings'),
          tally('pass', 'passed', 'passed'),
          tally('not-run', 'not run', 'not run'),
          tally('info', 'note', 'notes'),
        ]
          .filter(Boolean)
          .join(', ');
  layout.keyValues(
    [
      [
        'Model',
        [data.model.name, data.model.architecture, data.model.method].filter(Boolean).join(' · '),
      ],
      [
        'Dataset',
        [data.dataset.name, data.dataset.split, data.dataset.imageSource]
          .filter(Boolean)
          .join(' · '),
      ],
      ['Samples evaluated', String(data.dataset.samples)],
      ...(data.dataset.projection
        ? ([
            [
              'Projection quality',
              `g(w) vs x: mean L1 ${formatPlain(data.dataset.projection.meanL1)} (pixel [0,1]), PSNR ${data.dataset.projection.meanPsnr.toFixed(1)} dB`,
            ],
          ] as [string, string][])
        : []),
      ['Attacks', `${data.attacks.length} (${data.attacks.filter((a) => !a.seen).length} unseen)`],
      [
        'Clean accuracy',
        `${formatAccuracy(data.clean.accuracy)} (${formatCount(data.clean.correct, data.clean.total)})`,
      ],
      ['Sanity checks', sanitySummary],
      ['Audit status', data.audit.status],
      ['Report generated', formatDate(data.generatedAt)],
      ['Backend', data.reproducibility.backend],
    ],
    { keyWidth: 130 },
  );

  const contentsY = layout.y + 18;
  return {
    drawContents() {
      doc.switchToPage(doc.bufferedPageRange().start);
      let y = contentsY;
      layout.setFont('bold', 11.5, INK.text);
      doc.text('Contents', layout.left, y);
      y += 20;
      layout.sections.forEach((s, i) => {
        layout.setFont('regular', 10, INK.text);
        const label = `${i + 1}   ${s.title}`;
        doc.text(label, layout.left, y, { lineBreak: false });
        const page = String(s.page + 1);
        const labelEnd = layout.left + doc.widthOfString(label) + 6;
        const pageStart = layout.right - doc.widthOfString(page);
        // Dotted leader between title and page number.
        doc
          .moveTo(labelEnd, y + 9)
          .lineTo(pageStart - 6, y + 9)
          .dash(1, { space: 2.5 })
          .lineWidth(0.6)
          .strokeColor(INK.faint)
          .stroke()
          .undash();
        doc.text(page, pageStart, y, { lineBreak: false });
        y += 17;
      });
    },
  };
}
