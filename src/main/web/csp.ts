/**
 * The renderer's one Content-Security-Policy. Both faces send it as a response header (the app://
 * protocol handler in Electron, `dmat serve` in the browser mode) and the page carries it in a
 * meta tag (written at build time by csp-meta-plugin.ts, rewritten by `dmat serve` for its port);
 * tests compare the header with the tag on every face. This module imports nothing: the vite
 * configs load it too.
 */

export interface CspOptions {
  /**
   * Where the page may connect besides its own origin: `dmat serve` adds its WebSocket
   * (`ws://127.0.0.1:PORT`, as the page reached it). The desktop app needs nothing (IPC).
   */
  connect?: readonly string[];
  /**
   * Vite's dev server (`electron-vite dev`) injects <style> elements for hot reloading; only
   * there are they allowed. Never set for a built renderer.
   */
  devServer?: boolean;
}

/** Directives a meta tag cannot carry (CSP 3 §3.3): browsers ignore them there, with a warning. */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

const WEBSOCKET_SOURCE = /^wss?:\/\/[\w.-]+(:\d+)?$/;

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  for (const source of opts.connect ?? []) {
    // Only exact WebSocket origins: a scheme alone (`ws:`) or a wildcard would allow any host.
    if (!WEBSOCKET_SOURCE.test(source)) throw new Error(`not a WebSocket origin: ${source}`);
  }
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // Our bundle only: no inline script, no eval (Vue's runtime build and ECharts need neither).
    ['script-src', "'self'"],
    opts.devServer ? ['style-src', "'self'", "'unsafe-inline'"] : ['style-src', "'self'"],
    // ECharts writes its tooltips as HTML with style attributes; <style> elements stay refused.
    ['style-src-attr', "'unsafe-inline'"],
    // The gallery shows PNGs the engine sends as data: URLs; the browser mode downloads
    // reports through blob: URLs.
    ['img-src', "'self'", 'data:', 'blob:'],
    ['connect-src', "'self'", ...(opts.connect ?? [])],
    ['worker-src', "'none'"],
    ['frame-src', "'none'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** The policy as the page's meta tag carries it: the same, less what only a header can say. */
export function metaPolicy(policy: string): string {
  return policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => !HEADER_ONLY.has(d.split(/\s+/)[0]))
    .join('; ');
}

const META_TAG = /<meta\s+http-equiv="Content-Security-Policy"\s+content="[^"]*"\s*\/?>/gi;

/** The page's CSP meta tag, or null when it has none (a build without csp-meta-plugin). */
export function readMetaPolicy(html: string): string | null {
  const tags = html.match(META_TAG) ?? [];
  if (tags.length !== 1) return null;
  return decodeEntities(/content="([^"]*)"/.exec(tags[0])![1]);
}

/** The page with its one CSP meta tag set to `policy` (it must have exactly one). */
export function withMetaPolicy(html: string, policy: string): string {
  if (readMetaPolicy(html) === null) {
    throw new Error('the renderer page has no single Content-Security-Policy meta tag');
  }
  return html.replace(META_TAG, metaTag(policy));
}

const ENTITIES: Record<string, string> = { '&#39;': "'", '&quot;': '"', '&amp;': '&' };
const decodeEntities = (s: string) => s.replace(/&(#39|quot|amp);/g, (e) => ENTITIES[e]);

export function metaTag(policy: string): string {
  // Sources are quoted with ' only; an attribute in " needs no escaping of them.
  return `<meta http-equiv="Content-Security-Policy" content="${metaPolicy(policy)}" />`;
}
