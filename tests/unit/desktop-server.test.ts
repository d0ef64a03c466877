import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import type { DmatApi, JobEvent } from '../../src/shared/api';
import { startServer, type RunningServer } from '../../src/main/server/http-server';

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
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>DMAT Studio</title>');
writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'secret.txt'), 'secret');

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

  it('serves the renderer with a strict CSP and never a file outside it', async () => {
    const page = await http('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('DMAT Studio');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await http('GET', '/assets/app.js')).headers['content-type']).toContain('javascript');
    expect((await http('GET', '/../secret.txt')).status).toBe(404);
    expect((await http('GET', '/%2e%2e/secret.txt')).status).toBe(404);
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

  it('streams job events over the WebSocket to token holders only', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/api/events`;
    const refused = new WebSocket(`${wsUrl}?token=nope`);
    await expect(
      new Promise((resolve, reject) => {
        refused.on('open', resolve);
        refused.on('error', reject);
      }),
    ).rejects.toThrow(/401/);

    const ws = new WebSocket(`${wsUrl}?token=tok-123`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<JobEvent>((r) => ws.on('message', (m) => r(JSON.parse(String(m)))));
    const event: JobEvent = {
      type: 'progress',
      jobId: 'j1',
      kind: 'audit',
      targetId: 'a1',
      at: '2026-01-01T00:00:00Z',
      progress: { phase: 'PGD-50', done: 10, total: 100, unit: 'samples' },
    };
    scripted.emit(event);
    expect(await got).toEqual(event);
    ws.close();
  });
});
