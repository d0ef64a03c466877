/**
 * The built renderer's files as both faces serve them (`dmat serve` over HTTP, the app://
 * protocol in Electron): a URL path maps to a regular file inside the renderer folder or to
 * nothing, with symlinks resolved before the check, and each file gets its content type.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Served with nosniff, so an unknown type is never guessed into something executable. */
export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers every renderer response carries on both faces, besides its CSP. */
export const RENDERER_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const INDEX_PAGE = 'index.html';

/**
 * The file a URL path (as in `URL.pathname`, still percent-encoded) names inside `root`, or null.
 * Refused: undecodable escapes, NUL, backslashes, `..` segments (also when they were encoded),
 * anything that is not a regular file, and paths whose real location (symlinks followed) is
 * outside the real root.
 */
export async function resolveRendererFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (/[\0\\]/.test(decoded)) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  const rel = segments.length === 0 ? INDEX_PAGE : segments.join(sep);
  try {
    const realRoot = await realpath(root);
    const file = await realpath(join(realRoot, rel));
    if (!file.startsWith(realRoot + sep)) return null;
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** Whether a resolved file is the page itself (it carries the CSP meta tag). */
export async function isIndexPage(root: string, file: string): Promise<boolean> {
  try {
    return file === join(await realpath(root), INDEX_PAGE);
  } catch {
    return false;
  }
}
