/**
 * Native dialogs: the only way the desktop renderer reaches the file system. The renderer asks,
 * the user answers, and only what the user chose is used: a folder to import, a file to save a
 * report to (the dialog confirms replacing one), a suite file read here in main.
 */
import type { BrowserWindow, Dialog, IpcMain } from 'electron';
import { z } from 'zod';
import type { DmatApiHandle } from '../api/index';
import { asApiError } from '../api/errors';
import { readSuiteFile } from '../engine/audit/suites';
import { exportReport } from '../engine/report/export';
import { apiInputSchemas, ApiInputError, describeZodError } from '../../shared/api-schemas';
import { IPC } from '../../shared/bridge';
import { guarded, type SenderCheck } from './api-handlers';

const chooseInput = z.strictObject({ what: z.enum(['model', 'onnx', 'dataset']) });
const saveInput = apiInputSchemas.exportReport;
const noInput = z.strictObject({}).optional();

function parse<T>(schema: z.ZodType<T>, input: unknown, call: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const { message, field } = describeZodError(r.error);
  throw new ApiInputError(`${call}: ${message}`, field);
}

export function setupDialogHandlers(
  ipcMain: IpcMain,
  dialog: Dialog,
  api: DmatApiHandle,
  windowOf: (senderId: number) => BrowserWindow | null,
  isTrusted: SenderCheck,
) {
  ipcMain.handle(
    IPC.chooseImportFolder,
    guarded(isTrusted, async (event, input) => {
      const { what } = parse(chooseInput, input, 'chooseImportFolder');
      const win = windowOf(event.sender.id);
      const opts =
        what === 'onnx'
          ? {
              title: 'Import a PyTorch model (ONNX)',
              properties: ['openFile' as const],
              filters: [{ name: 'ONNX model', extensions: ['onnx'] }],
              message: 'An .onnx file exported with torch.onnx.export',
            }
          : {
              title:
                what === 'model' ? 'Import a model folder' : 'Import an on-manifold dataset folder',
              properties: ['openDirectory' as const],
              message:
                what === 'model'
                  ? 'A folder with model.json, its weight files and dmat-model.json'
                  : 'A folder with manifest.json and its NPY arrays',
            };
      const res = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return res.canceled || res.filePaths.length === 0 ? null : res.filePaths[0];
    }),
  );
  ipcMain.handle(
    IPC.saveReportAs,
    guarded(isTrusted, async (event, input) => {
      const req = parse(saveInput, input, 'saveReportAs');
      const win = windowOf(event.sender.id);
      const ext = req.format === 'pdf' ? 'pdf' : 'json';
      const opts = {
        title: 'Save robustness report',
        defaultPath: `dmat-report.${ext}`,
        filters: [{ name: ext.toUpperCase(), extensions: [ext] }],
        properties: ['showOverwriteConfirmation' as const],
      };
      const res = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      if (res.canceled || !res.filePath) return null;
      // The dialog asked before replacing an existing file.
      return exportReport(api.store, req, { outPath: res.filePath, overwrite: true }).catch(
        (err: unknown) => {
          throw asApiError(err);
        },
      );
    }),
  );
  ipcMain.handle(
    IPC.chooseSuiteFile,
    guarded(isTrusted, async (event, input) => {
      parse(noInput, input, 'chooseSuiteFile');
      const win = windowOf(event.sender.id);
      const opts = {
        title: 'Open an attack suite',
        properties: ['openFile' as const],
        filters: [{ name: 'Suite (JSON)', extensions: ['json'] }],
      };
      const res = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      if (res.canceled || res.filePaths.length === 0) return null;
      return readSuiteFile(res.filePaths[0]).catch((err: unknown) => {
        throw asApiError(err);
      });
    }),
  );
  return () => {
    ipcMain.removeHandler(IPC.chooseImportFolder);
    ipcMain.removeHandler(IPC.saveReportAs);
    ipcMain.removeHandler(IPC.chooseSuiteFile);
  };
}
