/**
 * Electron main: one window with the security settings of window-options.ts, showing the
 * renderer from the app:// protocol (desktop/app-protocol.ts), the API behind IPC, native
 * dialogs for every file the user picks. Everything else lives in the engine.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { IPC } from '../shared/bridge';
import { setupApiHandlers } from './ipc/api-handlers';
import { setupDialogHandlers } from './ipc/dialogs';
import { setElectronJobEntry } from './jobs/process-adapter';
import { createApi } from './api/index';
import { isAppUrl, mainWindowOptions } from './window-options';
import {
  APP_INDEX_URL,
  APP_POLICY,
  APP_SCHEME,
  APP_SCHEME_REGISTRATION,
  createAppProtocolHandler,
} from './desktop/app-protocol';
import { createExternalLinkOpener } from './desktop/external-links';
import { isTrustedSender as isTrustedSenderFacts } from './desktop/trusted-sender';
import { contentSecurityPolicy } from './web/csp';

const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appUrl = devServerUrl ?? APP_INDEX_URL;

// Privileges can only be given before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_REGISTRATION]);

const openExternal = createExternalLinkOpener(
  (url) => shell.openExternal(url),
  (line) => console.warn(`[links] ${line}`),
);

let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(
    mainWindowOptions(join(__dirname, '../preload/index.cjs'), !app.isPackaged),
  );
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(appUrl);
  return win;
}

/** Only our window's top frame, showing our own renderer, may call the API. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSenderFacts(
    {
      senderId: event.sender.id,
      windowId: mainWindow?.webContents.id ?? null,
      isMainFrame: frame !== null && frame === event.sender.mainFrame,
      frameUrl: frame?.url ?? null,
    },
    appUrl,
  );
}

function hardenSessions(): void {
  // app:// responses carry the policy themselves; this covers the dev server's (http).
  const httpPolicy = devServerUrl ? contentSecurityPolicy({ devServer: true }) : APP_POLICY;
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [httpPolicy] },
    });
  });
  // No camera, notifications, geolocation…: the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

app.on('web-contents-created', (_event, contents) => {
  // The window never leaves the app; a link to the docs or the paper opens in the browser.
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, appUrl)) return;
    event.preventDefault();
    openExternal(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  void app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, createAppProtocolHandler(join(__dirname, '../renderer')));
    hardenSessions();
    setElectronJobEntry(join(__dirname, 'job.js'));
    const api = createApi();
    setupApiHandlers(ipcMain, api, isTrustedSender);
    setupDialogHandlers(
      ipcMain,
      dialog,
      api,
      (id) => BrowserWindow.getAllWindows().find((w) => w.webContents.id === id) ?? null,
      isTrustedSender,
    );
    api.onJobEvent((event) => mainWindow?.webContents.send(IPC.jobEvent, event));
    mainWindow = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
    app.on('before-quit', () => void api.close());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
