import { describe, expect, it } from 'vitest';
import { isAppUrl, mainWindowOptions } from '../../src/main/window-options';
import { APP_INDEX_URL } from '../../src/main/desktop/app-protocol';

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

  it('treats only the app:// origin as the app', () => {
    expect(APP_INDEX_URL).toBe('app://dmat/index.html');
    expect(isAppUrl('app://dmat/index.html', APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://dmat/assets/index.js?x#y', APP_INDEX_URL)).toBe(true);
    // Node gives every custom-scheme URL the origin "null": the host must still decide.
    expect(isAppUrl('app://evil/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('app://dmat.evil/', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('app://user@dmat/', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('file:///opt/dmat/out/renderer/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('https://dmat/', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('not a url', APP_INDEX_URL)).toBe(false);
  });

  it('follows the dev server under electron-vite dev', () => {
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('ws://localhost:5173/', 'http://localhost:5173/')).toBe(false);
  });

  it('never treats file:// as the app, where every page would count', () => {
    const file = 'file:///opt/dmat/out/renderer/index.html';
    expect(isAppUrl(file, file)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', file)).toBe(false);
  });
});
