/**
 * The API's `exportReport`: load the audits, write the PDF or JSON (to the chosen path, or
 * `$DMAT_HOME/reports/<id>.<ext>`), and record the file in the reports table.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ExportReportInput, ReportInfo } from '../../../shared/api';
import type { Store } from '../../store/index';
import { homeFolder } from '../../store/paths';
import { newId } from '../../store/util';
import { appVersion } from './app-version';
import { loadReportData } from './load';
import { writeReport, writeReportJson } from './write';

export async function exportReport(store: Store, input: ExportReportInput): Promise<ReportInfo> {
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
  if (!input.outPath) await mkdir(reportsDir, { recursive: true });
  const target = input.outPath ?? path.join(reportsDir, `${id}.${input.format}`);
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
