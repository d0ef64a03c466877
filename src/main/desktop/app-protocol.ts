/**
 * The desktop window's origin: app://dmat, a privileged custom scheme served from the built
 * renderer folder, instead of file:// (which would give the page the whole disk's origin and
 * Electron's extra file:// privileges). No electron import: index.ts passes these to
 * `protocol.registerSchemesAsPrivileged` and `protocol.handle`, and tests call the handler with
 * plain Fetch API requests.
 */
import { readFile } from 'node:fs/promises';
import { contentSecurityPolicy, withMetaPolicy } from '../web/csp';
import {
  contentType,
  isIndexPage,
  RENDERER_HEADERS,
  resolveRendererFile,
} from '../web/renderer-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'dmat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: a real origin (so 'self', storage and relative URLs work) and paths resolved like
 * http's; secure: a secure context; codeCache: V8 caches our bundle. Deliberately absent:
 * bypassCSP, corsEnabled (other origins could read our files), allowServiceWorkers, stream.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

export const APP_SCHEME_REGISTRATION = { scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES };

/** What the protocol sends for every file: the one CSP (nothing to connect to but itself). */
export const APP_POLICY = contentSecurityPolicy();

function refusal(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...RENDERER_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/**
 * The app:// handler: GET and HEAD of files under `root` (the built renderer), with their
 * content type and the CSP header (the page's meta tag set to the same policy); 404 for
 * anything else on our host, 403 for other hosts.
 */
export function createAppProtocolHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return refusal(403, 'not the app origin');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refusal(405, 'method not allowed');
    }
    const file = await resolveRendererFile(root, url.pathname);
    if (!file) return refusal(404, 'not found');
    const body =
      request.method === 'HEAD'
        ? null
        : (await isIndexPage(root, file))
          ? withMetaPolicy(await readFile(file, 'utf8'), APP_POLICY)
          : await readFile(file);
    return new Response(body, {
      status: 200,
      headers: {
        ...RENDERER_HEADERS,
        'Content-Security-Policy': APP_POLICY,
        'Content-Type': contentType(file),
        'Cache-Control': 'no-cache',
      },
    });
  };
}
