/**
 * Writes a report to disk without ever leaving a half-written file: the bytes go to a temporary
 * name beside the target, which is renamed over it only once complete.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { reportToJson } from './json';
import { renderReportPdf } from './render';
import type { ReportData } from './types';

export interface WrittenFile {
  path: string;
  bytes: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

async function writeAtomically(target: string, bytes: Buffer): Promise<WrittenFile> {
  const dir = path.dirname(path.resolve(target));
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return {
    path: path.resolve(target),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Renders the PDF report to `pdfPath`. */
export async function writeReport(data: ReportData, pdfPath: string): Promise<WrittenFile> {
  return writeAtomically(pdfPath, await renderReportPdf(data));
}

/** Writes the `--json` export of the same data. */
export async function writeReportJson(data: ReportData, jsonPath: string): Promise<WrittenFile> {
  return writeAtomically(jsonPath, Buffer.from(reportToJson(data), 'utf8'));
}
