/**
 * Reproducibility appendix: everything needed to re-run the audit and get the same numbers —
 * versions, backend, seeds, the configuration and its hash, checksums of data and models, times.
 */
import { formatDate, formatDuration } from '../format';
import type { ReportLayout } from '../layout';
import { drawTable } from '../table';
import type { ReportData } from '../types';

/** One-line JSON with a space after commas and colons (outside strings). */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** JSON with small objects and arrays kept on one line, so a configuration reads at a glance. */
export function compactJson(value: unknown, indent = '', width = 88): string {
  const inline = inlineJson(value);
  if (value === null || typeof value !== 'object' || indent.length + inline.length <= width)
    return inline;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((v) => inner + compactJson(v, inner, width)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== undefined,
  );
  return `{\n${entries
    .map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner, width)}`)
    .join(',\n')}\n${indent}}`;
}

export function appendixSection(layout: ReportLayout, data: ReportData): void {
  const r = data.reproducibility;
  layout.heading('Reproducibility appendix', 160);
  const seeds = Object.entries(r.seeds);
  layout.keyValues(
    [
      ['DMAT Studio version', r.appVersion],
      ['Compute backend', r.backend],
      ['Seeds', seeds.length === 0 ? '—' : seeds.map(([k, v]) => `${k} = ${v}`).join(', ')],
      ['Configuration hash', r.configHash],
      ['Started', formatDate(r.startedAt)],
      ['Finished', formatDate(r.finishedAt)],
      ['Total run time', formatDuration(r.durationMs)],
      ...(r.host ? ([['Host', r.host]] as [string, string][]) : []),
      ...Object.entries(r.extra ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
    ],
    { keyWidth: 140 },
  );
  layout.space(6);
  drawTable(layout, {
    caption: layout.tableCaption('Checksums of the data and models'),
    columns: [
      { header: 'Artifact', weight: 2.4 },
      { header: 'Role', weight: 1.3 },
      { header: 'Checksum', weight: 6, mono: true },
    ],
    rows: [r.dataset, ...r.models].map((c, i) => ({
      cells: [c.name, c.role ?? (i === 0 ? 'dataset' : 'model'), c.checksum],
    })),
    fontSize: 8,
  });
  drawTable(layout, {
    caption: layout.tableCaption('Run time per attack'),
    columns: [
      { header: 'Attack', weight: 2.5 },
      { header: 'Samples', weight: 1.5, align: 'right' },
      { header: 'Time', weight: 1.5, align: 'right' },
      { header: 'Per sample', weight: 1.5, align: 'right' },
    ],
    rows: data.attacks.map((a) => ({
      cells: [
        a.name,
        String(a.total),
        formatDuration(a.timeMs),
        a.timeMs === undefined || a.total === 0 ? '—' : formatDuration(a.timeMs / a.total),
      ],
    })),
  });
  layout.subheading('Audit configuration', 60);
  layout.codeBlock(compactJson(r.config));
}
