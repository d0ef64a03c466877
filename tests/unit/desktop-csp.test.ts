import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from 'vite';
import {
  contentSecurityPolicy,
  metaPolicy,
  metaTag,
  readMetaPolicy,
  withMetaPolicy,
} from '../../src/main/web/csp';
import { cspMetaPlugin } from '../../src/main/web/csp-meta-plugin';

const directives = (policy: string) =>
  Object.fromEntries(
    policy.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );

/** Runs the plugin's index.html transform as vite would, for a build or the dev server. */
function transform(html: string, command: 'build' | 'serve'): string {
  // The plugin's hooks use no plugin context: call them as plain functions.
  const plugin = cspMetaPlugin() as unknown as {
    configResolved: (c: ResolvedConfig) => void;
    transformIndexHtml: { handler: (html: string) => string };
  };
  plugin.configResolved({ command } as ResolvedConfig);
  return plugin.transformIndexHtml.handler(html);
}

const SOURCE_PAGE = readFileSync(
  fileURLToPath(new URL('../../src/renderer/index.html', import.meta.url)),
  'utf8',
);

describe('the renderer Content-Security-Policy', () => {
  it('allows only our own bundle, never eval, and nothing that could host or embed the app', () => {
    const d = directives(contentSecurityPolicy());
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['style-src-attr']).toEqual(["'unsafe-inline'"]);
    expect(d['img-src']).toEqual(["'self'", 'data:', 'blob:']);
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['worker-src']).toEqual(["'none'"]);
    expect(d['frame-src']).toEqual(["'none'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['form-action']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval|wasm-unsafe-eval|https?:|ws:|\*/);
  });

  it('adds exactly the local WebSocket the browser mode names, and refuses broader sources', () => {
    const d = directives(contentSecurityPolicy({ connect: ['ws://127.0.0.1:4100'] }));
    expect(d['connect-src']).toEqual(["'self'", 'ws://127.0.0.1:4100']);
    for (const loose of ['ws:', 'ws://*', 'ws://127.0.0.1:*', 'https://example.com', "'self' x"]) {
      expect(() => contentSecurityPolicy({ connect: [loose] }), loose).toThrow(/WebSocket/);
    }
  });

  it('allows inline <style> only for the dev server, and nowhere else', () => {
    expect(directives(contentSecurityPolicy({ devServer: true }))['style-src']).toEqual([
      "'self'",
      "'unsafe-inline'",
    ]);
    expect(directives(contentSecurityPolicy())['style-src']).not.toContain("'unsafe-inline'");
  });

  it('is the same in the meta tag, less only the directives a meta tag cannot carry', () => {
    const policy = contentSecurityPolicy({ connect: ['ws://127.0.0.1:4100'] });
    const meta = metaPolicy(policy);
    expect(directives(meta)['frame-ancestors']).toBeUndefined();
    expect({ ...directives(meta), 'frame-ancestors': ["'none'"] }).toEqual(directives(policy));
    expect(readMetaPolicy(`<head>${metaTag(policy)}</head>`)).toBe(meta);
  });

  it('is written into the built page by the vite plugin, before every script and stylesheet', () => {
    // The source page has no policy of its own: csp.ts is its only definition.
    expect(readMetaPolicy(SOURCE_PAGE)).toBeNull();
    expect(SOURCE_PAGE).not.toMatch(/Content-Security-Policy/i);
    const built = transform(SOURCE_PAGE, 'build');
    expect(readMetaPolicy(built)).toBe(metaPolicy(contentSecurityPolicy()));
    const tagAt = built.indexOf('http-equiv="Content-Security-Policy"');
    expect(tagAt).toBeGreaterThan(built.indexOf('<meta charset'));
    expect(tagAt).toBeLessThan(built.search(/<script|<link/));
    expect(readMetaPolicy(transform(SOURCE_PAGE, 'serve'))).toBe(
      metaPolicy(contentSecurityPolicy({ devServer: true })),
    );
  });

  it('rewrites the one meta tag of a page, and refuses a page without exactly one', () => {
    const page = transform(SOURCE_PAGE, 'build');
    const policy = contentSecurityPolicy({ connect: ['ws://localhost:9000'] });
    expect(readMetaPolicy(withMetaPolicy(page, policy))).toBe(metaPolicy(policy));
    expect(() => withMetaPolicy(SOURCE_PAGE, policy)).toThrow(/no single/);
    const twice = page.replace('<title>', `${metaTag(policy)}<title>`);
    expect(() => withMetaPolicy(twice, policy)).toThrow(/no single/);
  });

  it('reads a meta tag whose quotes an HTML serialiser escaped', () => {
    const escaped = `<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;">`;
    expect(readMetaPolicy(escaped)).toBe("default-src 'self'");
  });
});
