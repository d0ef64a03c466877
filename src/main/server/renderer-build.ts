/**
 * The built renderer that `dmat serve` hands to the browser. A fresh clone has none, and a
 * checkout whose sources changed has a stale one: both are (re)built with vite on the spot.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const RENDERER_OUT = join(PROJECT_ROOT, 'out', 'renderer');
// src/main/web holds the CSP the build writes into the page.
const SOURCES = ['renderer', 'shared', join('main', 'web')].map((d) =>
  join(PROJECT_ROOT, 'src', d),
);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Why the renderer must be built, or null when out/renderer is up to date. */
export function rendererBuildReason(): string | null {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return 'no built renderer yet';
  // A packaged install has no sources: whatever was shipped is current.
  const sources = SOURCES.filter((d) => existsSync(d));
  if (sources.length === 0) return null;
  const built = statSync(index).mtimeMs;
  return sources.some((d) => newestMtime(d) > built) ? 'the renderer sources changed' : null;
}

/** Builds the renderer with vite (the same config as `npm run build:renderer`). */
export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: join(PROJECT_ROOT, 'vite.renderer.config.ts'),
    logLevel: 'error',
  });
}
