/**
 * Sandboxed preload: exposes `window.dmat`, one named function per API call, each a single
 * `ipcRenderer.invoke`. ipcRenderer itself never reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { DMAT_CALLS } from '../shared/api-schemas';
import type { JobEvent } from '../shared/api';
import { IPC, unwrapWire, type WireResult } from '../shared/bridge';

const calls = Object.fromEntries(
  DMAT_CALLS.map((name) => [
    name,
    async (input?: unknown) =>
      unwrapWire((await ipcRenderer.invoke(IPC.call(name), input)) as WireResult<unknown>),
  ]),
);

function onJobEvent(listener: (event: JobEvent) => void): () => void {
  const handler = (_e: IpcRendererEvent, event: JobEvent) => listener(event);
  ipcRenderer.on(IPC.jobEvent, handler);
  return () => ipcRenderer.removeListener(IPC.jobEvent, handler);
}

const dialogs = {
  chooseImportFolder: async (input: { what: 'model' | 'onnx' | 'dataset' }) =>
    unwrapWire(
      (await ipcRenderer.invoke(IPC.chooseImportFolder, input)) as WireResult<string | null>,
    ),
  saveReportAs: async (input: unknown) =>
    unwrapWire((await ipcRenderer.invoke(IPC.saveReportAs, input)) as WireResult<unknown>),
  chooseSuiteFile: async () =>
    unwrapWire((await ipcRenderer.invoke(IPC.chooseSuiteFile, {})) as WireResult<unknown>),
};

contextBridge.exposeInMainWorld('dmat', { ...calls, onJobEvent, dialogs, mode: 'desktop' });
