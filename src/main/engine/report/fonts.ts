/**
 * The fonts embedded in every report (DejaVu, see resources/fonts/LICENSE): a PDF that carries its
 * own glyphs prints ε, η, ∞ and any model or class name on any machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

export type FontRole = keyof typeof FONT_FILES;

export class ReportResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportResourceError';
  }
}

/**
 * Finds `resources/fonts`: $DMAT_RESOURCES_DIR when set (packaged app), otherwise the nearest
 * `resources/fonts` above this file (source tree and bundled `out/main`).
 */
export function fontsDir(): string {
  const tried: string[] = [];
  const env = process.env.DMAT_RESOURCES_DIR;
  if (env) tried.push(path.join(env, 'fonts'));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    tried.push(path.join(dir, 'resources', 'fonts'));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const found = tried.find((d) => fs.existsSync(path.join(d, FONT_FILES.regular)));
  if (!found) {
    throw new ReportResourceError(
      `report fonts not found: expected ${FONT_FILES.regular} in one of ${tried.slice(0, 3).join(', ')}`,
    );
  }
  return found;
}

/** Absolute path of each embedded font file. */
export function fontPaths(): Record<FontRole, string> {
  const dir = fontsDir();
  return {
    regular: path.join(dir, FONT_FILES.regular),
    bold: path.join(dir, FONT_FILES.bold),
    mono: path.join(dir, FONT_FILES.mono),
  };
}
