import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_POLICY,
  APP_SCHEME_REGISTRATION,
  createAppProtocolHandler,
} from '../../src/main/desktop/app-protocol';
import { contentSecurityPolicy, metaPolicy, metaTag, readMetaPolicy } from '../../src/main/web/csp';

// A built renderer next to a secret it must never serve, and symlinks into and out of it.
const base = mkdtempSync(join(tmpdir(), 'dmat-app-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
// A stale build's policy: the handler must send the current one in the page too.
const stale = metaTag(contentSecurityPolicy({ devServer: true }));
writeFileSync(join(root, 'index.html'), `<!doctype html><head>${stale}</head>DMAT Studio`);
writeFileSync(join(root, 'assets', 'index.js'), 'export {}');
writeFileSync(join(root, 'assets', 'index.css'), 'body{}');
writeFileSync(join(root, 'assets', 'kernel.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(root, 'assets', 'blob.xyz'), 'x');
writeFileSync(join(base, 'secret.txt'), 'secret');
symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'escape.txt'));
symlinkSync(base, join(root, 'up'));
symlinkSync(join(root, 'assets', 'index.js'), join(root, 'alias.js'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const handle = createAppProtocolHandler(root);
const get = (url: string, method = 'GET') => handle(new Request(url, { method }));

describe('the app:// protocol', () => {
  it('is a standard, secure scheme without the privileges that would weaken it', () => {
    expect(APP_ORIGIN).toBe('app://dmat');
    expect(APP_SCHEME_REGISTRATION).toEqual({
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    });
  });

  it('serves the page with the CSP header and the same policy in its meta tag', async () => {
    for (const url of [APP_INDEX_URL, `${APP_ORIGIN}/`]) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(APP_POLICY);
      const html = await res.text();
      expect(html).toContain('DMAT Studio');
      expect(readMetaPolicy(html)).toBe(metaPolicy(APP_POLICY));
    }
    expect(APP_POLICY).toBe(contentSecurityPolicy());
  });

  it('gives every file its content type, and nosniff', async () => {
    const types: Record<string, string> = {
      'assets/index.js': 'text/javascript; charset=utf-8',
      'assets/index.css': 'text/css; charset=utf-8',
      'assets/kernel.wasm': 'application/wasm',
      'assets/blob.xyz': 'application/octet-stream',
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await get(`${APP_ORIGIN}/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe(APP_POLICY);
    }
    expect(await (await get(`${APP_ORIGIN}/assets/index.js`)).text()).toBe('export {}');
  });

  it('never serves a file outside the renderer folder', async () => {
    const escapes = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/escape.txt', // a symlink to a file outside
      '/up/secret.txt', // through a symlink to a folder outside
      '/assets', // a folder
      '/index.html%00.js',
      '/%E0%A4%A', // undecodable
      '/missing.js',
    ];
    for (const path of escapes) {
      const res = await get(`${APP_ORIGIN}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('secret');
    }
    // A symlink that stays inside is an ordinary file.
    expect((await get(`${APP_ORIGIN}/alias.js`)).status).toBe(200);
  });

  it('answers only our host, and only reads', async () => {
    expect((await get('app://other/index.html')).status).toBe(403);
    expect((await get('https://dmat/index.html')).status).toBe(403);
    expect((await get(APP_INDEX_URL, 'POST')).status).toBe(405);
    const head = await get(APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-security-policy')).toBe(APP_POLICY);
    expect(await head.text()).toBe('');
  });
});
