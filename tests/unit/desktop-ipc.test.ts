import { describe, expect, it } from 'vitest';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { DmatApi } from '../../src/shared/api';
import { DMAT_CALLS } from '../../src/shared/api-schemas';
import { IPC } from '../../src/shared/bridge';
import { setupApiHandlers } from '../../src/main/ipc/api-handlers';

/** Just enough of ipcMain to register handlers and invoke them. */
function fakeIpcMain() {
  const handlers = new Map<string, (e: IpcMainInvokeEvent, input: unknown) => unknown>();
  const ipc = {
    handle: (ch: string, fn: (e: IpcMainInvokeEvent, input: unknown) => unknown) => {
      if (handlers.has(ch)) throw new Error(`second handler for ${ch}`);
      handlers.set(ch, fn);
    },
    removeHandler: (ch: string) => handlers.delete(ch),
  };
  return { ipc: ipc as unknown as IpcMain, handlers };
}

const ours = { sender: { id: 1 } } as unknown as IpcMainInvokeEvent;
const stranger = { sender: { id: 2 } } as unknown as IpcMainInvokeEvent;

describe('IPC handlers', () => {
  const seen: unknown[] = [];
  const api = {
    getModel: async (input: { id: string }) => {
      seen.push(input);
      return { id: input.id, name: 'normal' };
    },
    removeModel: async () => {
      throw Object.assign(new Error('model "x" is built in'), { code: 'conflict' });
    },
  } as unknown as DmatApi;
  const { ipc, handlers } = fakeIpcMain();
  const remove = setupApiHandlers(ipc, api, (e) => e.sender.id === 1);

  it('registers one channel per API call', () => {
    expect([...handlers.keys()].sort()).toEqual(DMAT_CALLS.map((n) => IPC.call(n)).sort());
  });

  it('passes validated input to the API and wraps the answer', async () => {
    const res = await handlers.get(IPC.call('getModel'))!(ours, { id: 'm1' });
    expect(res).toEqual({ ok: true, value: { id: 'm1', name: 'normal' } });
    expect(seen).toEqual([{ id: 'm1' }]);
  });

  it('refuses other senders before anything reaches the API', async () => {
    const res = await handlers.get(IPC.call('getModel'))!(stranger, { id: 'm2' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(seen).toHaveLength(1);
  });

  it('names the bad field and keeps API error codes', async () => {
    const bad = await handlers.get(IPC.call('getModel'))!(ours, { id: 7 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'id' } });
    const conflict = await handlers.get(IPC.call('removeModel'))!(ours, { id: 'x' });
    expect(conflict).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'model "x" is built in' },
    });
  });

  it('refuses calls that name a file: a report target or a suite path never reach the API', async () => {
    const calls = seen.length;
    const report = await handlers.get(IPC.call('exportReport'))!(ours, {
      auditIds: ['aud_1'],
      format: 'pdf',
      outPath: '/etc/cron.d/x.pdf',
    });
    expect(report).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect((report as { error: { message: string } }).error.message).toMatch(/outPath/);
    const suite = await handlers.get(IPC.call('startAudit'))!(ours, {
      modelId: 'm1',
      datasetId: 'd1',
      suite: '/etc/shadow',
    });
    expect(suite).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'suite' } });
    expect(seen).toHaveLength(calls);
  });

  it('removes every handler again', () => {
    remove();
    expect(handlers.size).toBe(0);
  });
});
