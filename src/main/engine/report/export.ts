/**
 * Exporting a report: load the audits, write the PDF or JSON and record the file in the reports
 * table. The API (and so the page) always writes into `$DMAT_HOME/reports/<id>.<ext>`; only the
 * faces that ask the user — the CLI's `--out`, the desktop's save dialog — name another target,
 * and an existing file there is replaced only when the user confirmed it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ExportReportInput, ReportInfo } from '../../../shared/api';
import type { Store } from '../../store/index';
import { homeFolder } from '../../store/paths';
import { newId } from '../../store/util';
import { appVersion } from './app-version';
import { loadReportData } from './load';
import { ReportInputError } from './load/audit-record';
import { writeReport, writeReportJson } from './write';

/** A target the user chose; `overwrite` only once they confirmed replacing an existing file. */
export interface ReportTarget {
  outPath: string;
  overwrite?: boolean;
}

function checkTarget(target: ReportTarget, format: ExportReportInput['format']): string {
  const file = path.resolve(target.outPath);
  if (path.extname(file).toLowerCase() !== `.${format}`) {
    throw new ReportInputError(
      `${target.outPath}: a ${format.toUpperCase()} report is written to a .${format} file`,
    );
  }
  if (existsSync(file) && !target.overwrite) {
    throw new ReportInputError(
      `${target.outPath} exists already; choose another name or confirm replacing it (--force)`,
    );
  }
  return file;
}

export async function exportReport(
  store: Store,
  input: ExportReportInput,
  chosen?: ReportTarget,
): Promise<ReportInfo> {
  const outPath = chosen && checkTarget(chosen, input.format);
  const [auditId, ...compareWith] = input.auditIds;
  const data = loadReportData(store, auditId, {
    compareWith,
    title: input.title,
    appVersion: appVersion(),
  });
  const id = newId('rep');
  // Reports live beside the database ($DMAT_HOME/reports), whatever home the store was opened in.
  const reportsDir =
    store.path === ':memory:'
      ? homeFolder('reports')
      : path.join(path.dirname(store.path), 'reports');
  if (!outPath) await mkdir(reportsDir, { recursive: true });
  const target = outPath ?? path.join(reportsDir, `${id}.${input.format}`);
  const written =
    input.format === 'pdf' ? await writeReport(data, target) : await writeReportJson(data, target);
  return store.reports.insert({
    id,
    auditIds: input.auditIds,
    format: input.format,
    path: written.path,
    bytes: written.bytes,
    sha256: written.sha256,
    title: input.title,
  });
}
