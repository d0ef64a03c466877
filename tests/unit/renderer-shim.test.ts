// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installApi } from '../../src/renderer/src/lib/api';
import { createBrowserBridge, readToken, takeToken } from '../../src/renderer/src/lib/shim';

const TOKEN = 'Zm9v-YmFy_0123456789abcdefghij';

/** Records how the shim opens its WebSocket. */
class RecordingSocket {
  static opened: { url: string; protocols: unknown }[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(url: string, protocols?: unknown) {
    RecordingSocket.opened.push({ url, protocols });
  }
  close() {}
}

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/');
});

describe('the browser shim and its access token', () => {
  it('takes the token from the fragment only, never from the query string', () => {
    expect(readToken({ hash: `#token=${TOKEN}` }, sessionStorage)).toBe(TOKEN);
    expect(sessionStorage.getItem('dmat-token')).toBe(TOKEN);
    sessionStorage.clear();
    expect(readToken({ hash: '' }, sessionStorage)).toBeNull();
    history.replaceState(null, '', `/?token=${TOKEN}`);
    expect(takeToken(location, sessionStorage, history)).toBeNull();
    expect(sessionStorage.getItem('dmat-token')).toBeNull();
  });

  it('ignores a fragment token that could not be a subprotocol', () => {
    expect(readToken({ hash: '#token=a%20b' }, sessionStorage)).toBeNull();
    expect(readToken({ hash: '#token=a,b' }, sessionStorage)).toBeNull();
  });

  it('keeps the token for the tab and takes it out of the address bar', () => {
    history.replaceState(null, '', `/index.html?view=audit#token=${TOKEN}`);
    expect(takeToken(location, sessionStorage, history)).toBe(TOKEN);
    expect(location.href).not.toContain('token');
    expect(location.pathname + location.search).toBe('/index.html?view=audit');
    // A reload of the tab finds it again in sessionStorage.
    expect(takeToken(location, sessionStorage, history)).toBe(TOKEN);
  });

  it('installs the browser bridge with the token from the fragment', () => {
    history.replaceState(null, '', `/#token=${TOKEN}`);
    const bridge = installApi();
    expect(bridge.mode).toBe('browser');
    expect(location.hash).toBe('');
    expect(sessionStorage.getItem('dmat-token')).toBe(TOKEN);
  });
});

describe('the job-events WebSocket', () => {
  const original = globalThis.WebSocket;
  beforeEach(() => {
    RecordingSocket.opened = [];
    globalThis.WebSocket = RecordingSocket as unknown as typeof WebSocket;
  });
  afterEach(() => {
    globalThis.WebSocket = original;
  });

  it('carries the token as a subprotocol, never in its URL', () => {
    const bridge = createBrowserBridge('http://127.0.0.1:4100', TOKEN);
    const stop = bridge.onJobEvent(() => undefined);
    expect(RecordingSocket.opened).toEqual([
      { url: 'ws://127.0.0.1:4100/api/events', protocols: ['dmat.events', `dmat.token.${TOKEN}`] },
    ]);
    stop();
  });
});
