/**
 * The Electron window's security settings, kept in a module that does not import electron so a
 * plain Node test can assert them. index.ts passes these objects to BrowserWindow unchanged.
 */

/**
 * Content-Security-Policy of the renderer: only our own bundle, no remote content, no eval.
 * `style-src 'unsafe-inline'` is needed because ECharts and Vue set inline style attributes;
 * images may be data: or blob: URLs (the gallery decodes PNGs the engine sends).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
].join('; ');

/** Content-Security-Policy of the browser mode: same, plus the WebSocket back to `dmat serve`. */
export function browserModeCsp(host: string): string {
  return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", `connect-src 'self' ws://${host}`);
}

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

/**
 * Whether a navigation target is our own renderer. Everything else (links, drag-and-drop of a
 * file, a redirect) is refused: the window only ever shows the bundled app.
 */
export function isAppUrl(target: string, appUrl: string): boolean {
  try {
    const t = new URL(target);
    const a = new URL(appUrl);
    if (a.protocol === 'file:') return t.protocol === 'file:' && t.pathname === a.pathname;
    return t.origin === a.origin;
  } catch {
    return false;
  }
}
