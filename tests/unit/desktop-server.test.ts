import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import type { DmatApi, JobEvent } from '../../src/shared/api';
import { startServer, type RunningServer } from '../../src/main/server/http-server';
import { contentSecurityPolicy, metaPolicy, metaTag, readMetaPolicy } from '../../src/main/web/csp';
import { eventSocketProtocols } from '../../src/shared/events-socket';
import { createBrowserBridge } from '../../src/renderer/src/lib/shim';

/** A scripted API: answers two calls and lets the test push job events. */
function scriptedApi() {
  const listeners = new Set<(e: JobEvent) => void>();
  const api = {
    listModels: async () => [{ id: 'm1', name: 'normal' }],
    getModel: async ({ id }: { id: string }) => {
      throw Object.assign(new Error(`no model with id "${id}"`), { code: 'not-found' });
    },
    onJobEvent(l: (e: JobEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { api: api as unknown as DmatApi, emit: (e: JobEvent) => listeners.forEach((l) => l(e)) };
}

const dir = mkdtempSync(join(tmpdir(), 'dmat-serve-'));
mkdirSync(join(dir, 'assets'));
// The page as the build writes it: with the meta tag of the desktop app's policy.
writeFileSync(
  join(dir, 'index.html'),
  `<!doctype html><head>${metaTag(contentSecurityPolicy())}<title>DMAT Studio</title></head>`,
);
writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
const CANARY = 'canary-5c1e0b7d';
writeFileSync(join(tmpdir(), 'secret.txt'), CANARY);
symlinkSync(join(tmpdir(), 'secret.txt'), join(dir, 'assets', 'linked.txt'));

let server: RunningServer;
const scripted = scriptedApi();

beforeAll(async () => {
  server = await startServer({ api: scripted.api, rendererDir: dir, token: 'tok-123' });
});
afterAll(() => server.close());

function http(
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.origin}${path}`, { method, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const auth = { Authorization: 'Bearer tok-123', 'Content-Type': 'application/json' };

describe('dmat serve', () => {
  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/#token=tok-123`);
  });

  it('serves the page with the one CSP, in its header and its meta tag alike', async () => {
    const port = new URL(server.origin).port;
    const page = await http('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('DMAT Studio');
    const policy = contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`] });
    expect(page.headers['content-security-policy']).toBe(policy);
    expect(readMetaPolicy(page.body)).toBe(metaPolicy(policy));
    // Reached as localhost, the page may open its WebSocket under that name, and only that.
    const local = await http('GET', '/index.html', { headers: { Host: `localhost:${port}` } });
    const localPolicy = contentSecurityPolicy({ connect: [`ws://localhost:${port}`] });
    expect(local.headers['content-security-policy']).toBe(localPolicy);
    expect(readMetaPolicy(local.body)).toBe(metaPolicy(localPolicy));
  });

  it('serves the renderer files and never a file outside the folder', async () => {
    const js = await http('GET', '/assets/app.js');
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.headers['content-security-policy']).toMatch(/^default-src 'self'/);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await http('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain(CANARY);
    }
    const linked = await http('GET', '/assets/linked.txt');
    expect(linked.status).toBe(404);
    expect(linked.body).not.toContain(CANARY);
  });

  it('refuses the token in a query string, on the page and on the API', async () => {
    const page = await http('GET', '/?token=tok-123');
    expect(page.status).toBe(400);
    expect(JSON.parse(page.body).error.message).toMatch(/URL fragment \(#token=…\)/);
    expect(page.body).not.toContain('DMAT Studio');
    const call = await http('POST', '/api/call/listModels?token=tok-123', { body: '' });
    expect(call.status).toBe(400);
    expect(JSON.parse(call.body).ok).toBe(false);
  });

  it('answers API calls only with the token', async () => {
    const denied = await http('POST', '/api/call/listModels', { body: '' });
    expect(denied.status).toBe(401);
    const wrong = await http('POST', '/api/call/listModels', {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const ok = await http('POST', '/api/call/listModels', { headers: auth, body: '' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [{ id: 'm1', name: 'normal' }] });
  });

  it('validates input before the API sees it and keeps error codes and fields', async () => {
    const bad = await http('POST', '/api/call/getModel', { headers: auth, body: '{}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'invalid-input', field: 'id' });
    const missing = await http('POST', '/api/call/getModel', {
      headers: auth,
      body: '{"id":"x"}',
    });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toEqual({
      code: 'not-found',
      message: 'no model with id "x"',
    });
    const unknown = await http('POST', '/api/call/dropDatabase', { headers: auth, body: '' });
    expect(unknown.status).toBe(404);
    const notJson = await http('POST', '/api/call/listModels', { headers: auth, body: '{' });
    expect(JSON.parse(notJson.body).error.message).toBe('request body is not valid JSON');
  });

  it('refuses other hosts and cross-origin pages (DNS rebinding, CSRF)', async () => {
    const port = new URL(server.origin).port;
    const rebound = await http('POST', '/api/call/listModels', {
      headers: { ...auth, Host: `evil.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    const crossOrigin = await http('POST', '/api/call/listModels', {
      headers: { ...auth, Origin: 'http://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
  });

  const event: JobEvent = {
    type: 'progress',
    jobId: 'j1',
    kind: 'audit',
    targetId: 'a1',
    at: '2026-01-01T00:00:00Z',
    progress: { phase: 'PGD-50', done: 10, total: 100, unit: 'samples' },
  };
  const opened = (ws: WebSocket) =>
    new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });

  it('opens the events WebSocket only with the token as a subprotocol', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/api/events`;
    const refusals: [string, string | string[] | undefined, RegExp][] = [
      ['no token', undefined, /401/],
      ['wrong token', eventSocketProtocols('nope'), /401/],
      ['token without the events protocol', ['dmat.token.tok-123'], /401/],
      ['two tokens', [...eventSocketProtocols('nope'), 'dmat.token.tok-123'], /401/],
    ];
    for (const [what, protocols, status] of refusals) {
      await expect(opened(new WebSocket(wsUrl, protocols)), what).rejects.toThrow(status);
    }
    // The old way, the token in the query string, is refused even when the token is right.
    await expect(opened(new WebSocket(`${wsUrl}?token=tok-123`))).rejects.toThrow(/400/);
    const withQuery = new WebSocket(`${wsUrl}?token=tok-123`, eventSocketProtocols('tok-123'));
    await expect(opened(withQuery)).rejects.toThrow(/400/);

    const ws = new WebSocket(wsUrl, eventSocketProtocols('tok-123'));
    await opened(ws);
    // The server answers with the events protocol: the token is not echoed back.
    expect(ws.protocol).toBe('dmat.events');
    const got = new Promise<JobEvent>((r) => ws.on('message', (m) => r(JSON.parse(String(m)))));
    scripted.emit(event);
    expect(await got).toEqual(event);
    ws.close();
  });

  it('serves the browser shim: calls with the token header, events over the subprotocol', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const previous = global.WebSocket;
    global.WebSocket = WebSocket;
    try {
      const bridge = createBrowserBridge(server.origin, 'tok-123');
      expect(await bridge.listModels()).toEqual([{ id: 'm1', name: 'normal' }]);
      const got = new Promise<JobEvent>((resolve) => {
        const stop = bridge.onJobEvent((e) => {
          stop();
          resolve(e);
        });
      });
      // The socket opens asynchronously: emit until the listener has it.
      const pump = setInterval(() => scripted.emit(event), 20);
      expect(await got).toEqual(event);
      clearInterval(pump);
    } finally {
      global.WebSocket = previous;
    }
  });
});
