/**
 * The browser face (`dmat serve`): the same API over HTTP (one POST per call) and a WebSocket
 * for job events, on 127.0.0.1 only, guarded by a random token, serving the built renderer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DmatApi, DmatCallName, JobEvent } from '../../shared/api';
import { DMAT_CALLS, parseApiInput } from '../../shared/api-schemas';
import type { WireResult } from '../../shared/bridge';
import { httpStatus, toErrorPayload } from './errors';
import { sendRendererFile } from './static-files';
import { contentSecurityPolicy } from '../web/csp';
import { RENDERER_HEADERS } from '../web/renderer-files';
import { EVENTS_SUBPROTOCOL, tokenFromProtocols } from '../../shared/events-socket';

export interface ServeOptions {
  api: DmatApi;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); a random one by default. */
  token?: string;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:5123 */
  origin: string;
  token: string;
  /** The URL to open: origin plus the token. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const CALLS = new Set<string>(DMAT_CALLS);

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  let origin = '';

  const tokenOk = (given: string | null | undefined) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // Refuse other Host headers (DNS rebinding) and cross-origin pages.
  const sameSite = (req: IncomingMessage) => {
    const port = new URL(origin).port;
    const hostOk =
      req.headers.host === `${HOST}:${port}` || req.headers.host === `localhost:${port}`;
    const o = req.headers.origin;
    const originOk = !o || o === origin || o === `http://localhost:${port}`;
    return hostOk && originOk;
  };

  // The page may connect to its own origin and to this server's WebSocket under the host name
  // it used (sameSite has checked it is ours).
  const policyFor = (req: IncomingMessage) =>
    contentSecurityPolicy({ connect: [`ws://${req.headers.host ?? new URL(origin).host}`] });

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      ...RENDERER_HEADERS,
      'Content-Security-Policy': contentSecurityPolicy(),
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(JSON.stringify(body));
  };

  const handleCall = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    const auth = req.headers.authorization;
    if (!tokenOk(auth?.startsWith('Bearer ') ? auth.slice(7) : null)) {
      return sendJson(res, 401, wireError('invalid-input', 'missing or wrong access token'));
    }
    if (!CALLS.has(name)) {
      return sendJson(res, 404, wireError('not-found', `unknown API call "${name}"`));
    }
    let input: unknown;
    try {
      input = await readJsonBody(req);
    } catch (err) {
      return sendJson(res, 400, wireError('invalid-input', (err as Error).message));
    }
    try {
      const call = name as DmatCallName;
      const fn = opts.api[call] as (i: unknown) => Promise<unknown>;
      const value = await fn.call(opts.api, parseApiInput(call, input));
      sendJson(res, 200, { ok: true, value: value ?? null } satisfies WireResult<unknown>);
    } catch (err) {
      const error = toErrorPayload(err);
      sendJson(res, httpStatus(error.code), { ok: false, error } satisfies WireResult<unknown>);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (!sameSite(req)) return sendJson(res, 403, wireError('invalid-input', 'forbidden origin'));
    if (url.searchParams.has('token')) {
      return sendJson(res, 400, wireError('invalid-input', TOKEN_IN_QUERY));
    }
    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') {
        return sendJson(res, 405, wireError('invalid-input', 'API calls are POST requests'));
      }
      void handleCall(req, res, url.pathname.slice('/api/call/'.length));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, wireError('invalid-input', 'method not allowed'));
    }
    void sendRendererFile(res, opts.rendererDir, url.pathname, policyFor(req))
      .then((sent) => {
        if (!sent) sendJson(res, 404, wireError('not-found', `no such file: ${url.pathname}`));
      })
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, wireError('internal', 'cannot read the page'));
        else res.destroy();
      });
  });

  // The token comes as a subprotocol (shared/events-socket.ts); the answer names only the
  // events one, so the token is not echoed.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) =>
      protocols.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false,
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/api/events' || !sameSite(req)) return refuse('403 Forbidden');
    if (url.searchParams.has('token')) return refuse('400 Bad Request');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!tokenOk(tokenFromProtocols(offered))) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });

  const unsubscribe = opts.api.onJobEvent((event: JobEvent) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${HOST}:${port}`;

  return {
    origin,
    token,
    url: `${origin}/#token=${token}`,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TOKEN_IN_QUERY =
  'the access token goes in the URL fragment (#token=…), never in the query string: open the URL `dmat serve` printed';

function wireError(code: string, message: string): WireResult<never> {
  return { ok: false, error: { code, message } };
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return body === null ? undefined : body;
  } catch {
    throw new Error('request body is not valid JSON');
  }
}
