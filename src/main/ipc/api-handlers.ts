/**
 * IPC face of the API: one handler per call, each a one-line adapter. Every payload is checked
 * twice before it reaches the engine: the sender must be one of our windows, and the input must
 * pass the call's zod schema.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { DmatApi, DmatCallName } from '../../shared/api';
import { DMAT_CALLS, parseApiInput } from '../../shared/api-schemas';
import { IPC, type WireResult } from '../../shared/bridge';
import { toErrorPayload } from '../server/errors';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** Runs a handler, turning its outcome into a WireResult so error codes and fields survive IPC. */
export async function wire<T>(fn: () => Promise<T> | T): Promise<WireResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: toErrorPayload(err) };
  }
}

export function guarded<T>(
  isTrusted: SenderCheck,
  fn: (event: IpcMainInvokeEvent, input: unknown) => Promise<T> | T,
) {
  return (event: IpcMainInvokeEvent, input: unknown): Promise<WireResult<T>> => {
    if (!isTrusted(event)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'invalid-input', message: 'IPC call from an unknown frame was refused' },
      });
    }
    return wire(() => fn(event, input));
  };
}

/** Registers every API call; returns a function that removes them again. */
export function setupApiHandlers(ipcMain: IpcMain, api: DmatApi, isTrusted: SenderCheck) {
  for (const name of DMAT_CALLS) {
    ipcMain.handle(
      IPC.call(name),
      guarded(isTrusted, (_e, input) => call(api, name, parseApiInput(name, input))),
    );
  }
  return () => DMAT_CALLS.forEach((name) => ipcMain.removeHandler(IPC.call(name)));
}

function call(api: DmatApi, name: DmatCallName, input: unknown): Promise<unknown> {
  return (api[name] as (i: unknown) => Promise<unknown>).call(api, input);
}
