/**
 * What the renderer finds on `window.dmat`: the typed API plus what only one face can offer.
 * The preload provides it in the desktop app; the browser shim provides it against `dmat serve`.
 */
import type { DmatApi, ExportReportInput, ReportInfo, SuiteDefinition } from './api';

/** Native file dialogs: only the desktop app has them (the browser mode asks for a path). */
export interface DesktopDialogs {
  /**
   * Ask the user for a model or dataset folder, or an .onnx file; null when the dialog was
   * dismissed.
   */
  chooseImportFolder(input: { what: 'model' | 'onnx' | 'dataset' }): Promise<string | null>;
  /** Ask where to save a report, then write it there; null when the dialog was dismissed. */
  saveReportAs(input: ExportReportInput): Promise<ReportInfo | null>;
  /**
   * Ask the user for a suite JSON file and read it in the main process; the page gets the checked
   * definition (to pass to startAudit inline), never a path. Null when the dialog was dismissed.
   */
  chooseSuiteFile(): Promise<SuiteDefinition | null>;
}

export interface DmatBridge extends DmatApi {
  readonly mode: 'desktop' | 'browser';
  readonly dialogs?: DesktopDialogs;
}

/** IPC channel names, shared by preload and main so neither can drift. */
export const IPC = {
  call: (name: string) => `dmat:call:${name}`,
  jobEvent: 'dmat:job-event',
  chooseImportFolder: 'dmat:dialog:choose-import-folder',
  saveReportAs: 'dmat:dialog:save-report-as',
  chooseSuiteFile: 'dmat:dialog:choose-suite-file',
} as const;

/** How a call's outcome crosses IPC and HTTP: errors keep their code and field. */
export type WireResult<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string; field?: string } };

/** Error thrown in the renderer for a failed call; `userError` ones are shown as they are. */
export class DmatCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DmatCallError';
  }
  get userError(): boolean {
    return this.code !== 'internal';
  }
}

export function unwrapWire<T>(result: WireResult<T>): T {
  if (result.ok) return result.value;
  throw new DmatCallError(result.error.message, result.error.code, result.error.field);
}
