/**
 * The Electron window's security settings, kept in a module that does not import electron so a
 * plain Node test can assert them. index.ts passes these objects to BrowserWindow unchanged.
 */

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  sandbox: true;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  devTools: boolean;
}

export function secureWebPreferences(preload: string, devTools: boolean): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  };
}

export function mainWindowOptions(preload: string, devTools = false) {
  return {
    width: 1320,
    height: 860,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    title: 'DMAT Studio',
    backgroundColor: '#f5f7fa',
    webPreferences: secureWebPreferences(preload, devTools),
  };
}

/** Schemes the app itself may be served from; never file:, where every page is "the same". */
const APP_URL_SCHEMES = new Set(['app:', 'http:']);

/**
 * Whether a navigation target is our own renderer: the app:// origin of the built one, or the
 * dev server's under `electron-vite dev`. Everything else (links, drag-and-drop of a file, a
 * redirect) is refused: the window only ever shows the app. Scheme and host are compared rather
 * than `URL.origin`, which Node makes "null" for every custom scheme alike.
 */
export function isAppUrl(target: string, appUrl: string): boolean {
  try {
    const t = new URL(target);
    const a = new URL(appUrl);
    if (!APP_URL_SCHEMES.has(a.protocol) || a.host === '') return false;
    return t.protocol === a.protocol && t.host === a.host && !t.username && !t.password;
  } catch {
    return false;
  }
}
