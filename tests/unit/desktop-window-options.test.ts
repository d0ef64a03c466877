import { describe, expect, it } from 'vitest';
import {
  browserModeCsp,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  mainWindowOptions,
} from '../../src/main/window-options';

describe('Electron window security settings', () => {
  const opts = mainWindowOptions('/app/out/preload/index.cjs');

  it('isolates the renderer from Node and sandboxes it', () => {
    expect(opts.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
  });

  it('has dev tools only when asked', () => {
    expect(opts.webPreferences.devTools).toBe(false);
    expect(mainWindowOptions('/p', true).webPreferences.devTools).toBe(true);
  });

  it('allows only our own scripts and no remote content', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('lets the browser mode open only its own WebSocket', () => {
    expect(browserModeCsp('127.0.0.1:4100')).toContain("connect-src 'self' ws://127.0.0.1:4100");
  });

  it('treats only the bundled page as the app', () => {
    const app = 'file:///opt/dmat/out/renderer/index.html';
    expect(isAppUrl('file:///opt/dmat/out/renderer/index.html#/audit', app)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false);
    expect(isAppUrl('https://example.com/', app)).toBe(false);
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('not a url', app)).toBe(false);
  });
});
