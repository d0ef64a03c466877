/**
 * Vite plugin of both renderer builds (electron.vite.config.ts, vite.renderer.config.ts): writes
 * the Content-Security-Policy meta tag into index.html, before any script or stylesheet so it
 * covers them all. The source page has none, so the policy has one definition (csp.ts).
 */
import type { Plugin } from 'vite';
import { contentSecurityPolicy, metaTag } from './csp';

export function cspMetaPlugin(): Plugin {
  let devServer = false;
  return {
    name: 'dmat-csp-meta',
    configResolved(config) {
      devServer = config.command === 'serve';
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        // After the charset declaration if there is one, else first in <head>.
        const anchor = /<meta charset="[^"]*"\s*\/?>/i.test(html)
          ? /<meta charset="[^"]*"\s*\/?>/i
          : /<head>/i;
        if (!anchor.test(html)) throw new Error('index.html has no <head> for the CSP meta tag');
        const tag = metaTag(contentSecurityPolicy({ devServer }));
        return html.replace(anchor, (before) => `${before}\n    ${tag}`);
      },
    },
  };
}
