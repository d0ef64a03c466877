/**
 * Browser shim: the same `window.dmat` as the preload, over HTTP (one POST per call) and a
 * WebSocket for job events, against `dmat serve`. The access token comes only from the URL
 * fragment the server printed (a fragment is never sent to a server nor kept in its logs), is
 * kept in sessionStorage for the tab's lifetime and removed from the address bar.
 */
import type { DmatCallName, JobEvent } from '@shared/api';
import { DMAT_CALLS } from '@shared/api-schemas';
import { DmatCallError, unwrapWire, type DmatBridge, type WireResult } from '@shared/bridge';
import { eventSocketProtocols, TOKEN_PATTERN } from '@shared/events-socket';

const TOKEN_KEY = 'dmat-token';

/**
 * The token of `#token=…` (stored for the tab), else the one stored earlier in this tab, else
 * null. A `?token=` query is never read: `dmat serve` refuses such URLs.
 */
export function readToken(loc: Pick<Location, 'hash'>, storage: Storage): string | null {
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  if (fromHash && TOKEN_PATTERN.test(fromHash)) {
    storage.setItem(TOKEN_KEY, fromHash);
    return fromHash;
  }
  return storage.getItem(TOKEN_KEY);
}

/** Reads the token, then takes the fragment out of the address bar (and out of the history). */
export function takeToken(
  loc: Pick<Location, 'hash' | 'pathname' | 'search'>,
  storage: Storage,
  history: Pick<History, 'replaceState'>,
): string | null {
  const token = readToken(loc, storage);
  if (new URLSearchParams(loc.hash.replace(/^#/, '')).has('token')) {
    history.replaceState(null, '', loc.pathname + loc.search);
  }
  return token;
}

export function createBrowserBridge(origin: string, token: string): DmatBridge {
  const listeners = new Set<(e: JobEvent) => void>();
  let socket: WebSocket | null = null;
  let retry = 500;

  const connect = () => {
    const ws = new WebSocket(
      `${origin.replace(/^http/, 'ws')}/api/events`,
      eventSocketProtocols(token),
    );
    socket = ws;
    ws.onopen = () => (retry = 500);
    ws.onmessage = (msg) => {
      const event = JSON.parse(String(msg.data)) as JobEvent;
      listeners.forEach((l) => l(event));
    };
    // The server may restart: reconnect with back-off while anyone listens.
    ws.onclose = () => {
      socket = null;
      if (listeners.size > 0) setTimeout(connect, (retry = Math.min(retry * 2, 8000)));
    };
  };

  const call = async (name: DmatCallName, input?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${origin}/api/call/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: input === undefined ? '' : JSON.stringify(input),
      });
    } catch {
      throw new DmatCallError(
        'Cannot reach the DMAT Studio server: is `dmat serve` still running?',
        'not-available',
      );
    }
    return unwrapWire((await res.json()) as WireResult<unknown>);
  };

  const calls = Object.fromEntries(
    DMAT_CALLS.map((name) => [name, (input?: unknown) => call(name, input)]),
  );

  return {
    ...(calls as unknown as Omit<DmatBridge, 'onJobEvent' | 'mode'>),
    mode: 'browser',
    onJobEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) socket?.close();
      };
    },
  };
}
