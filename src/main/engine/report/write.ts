/**
 * Writes a report to disk without ever leaving a half-written file: the bytes go to a temporary
 * name beside the target, which is renamed over it only once complete. The target's folder must
 * exist (a mistyped path should fail, not create folders).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { reportToJson } from './json';
import { ReportInputError } from './load/audit-record';
import { renderReportPdf } from './render';
import type { ReportData } from './types';

export interface WrittenFile {
  path: string;
  bytes: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

/** Why a report file could not be written, in words (the folder is the user's choice). */
function writeProblem(err: NodeJS.ErrnoException, target: string, dir: string): Error {
  const reasons: Record<string, string> = {
    ENOENT: `folder ${dir} does not exist`,
    ENOTDIR: `${dir} is not a folder`,
    EACCES: `no permission to write in ${dir}`,
    EPERM: `no permission to write in ${dir}`,
    EISDIR: `${target} is a folder`,
    EROFS: `${dir} is on a read-only file system`,
    ENOSPC: `no space left on the device of ${dir}`,
  };
  const reason = err.code ? reasons[err.code] : undefined;
  return reason ? new ReportInputError(`cannot write ${target}: ${reason}`) : err;
}

async function writeAtomically(target: string, bytes: Buffer): Promise<WrittenFile> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw writeProblem(err as NodeJS.ErrnoException, target, dir);
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
