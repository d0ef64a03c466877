/**
 * Writes a report to disk without ever leaving a half-written file: the bytes go to a temporary
 * name beside the target, which is renamed over it only once complete.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { reportToJson } from './json';
import { renderReportPdf } from './render';
import type { ReportData } from './types';

async function writeAtomically(target: string, bytes: Buffer | string): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Renders the PDF report to `pdfPath`. Returns the number of bytes written. */
export async function writeReport(data: ReportData, pdfPath: string): Promise<number> {
  const pdf = await renderReportPdf(data);
  await writeAtomically(pdfPath, pdf);
  return pdf.length;
}

/** Writes the `--json` export of the same data. */
export async function writeReportJson(data: ReportData, jsonPath: string): Promise<void> {
  await writeAtomically(jsonPath, reportToJson(data));
}
