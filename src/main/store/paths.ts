/**
 * Where the app keeps its data: `$DMAT_HOME`, else the platform's user-data folder
 * (the same folder Electron's `app.getPath('userData')` gives for "dmat-studio").
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_FOLDER = 'dmat-studio';

export function dmatHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DMAT_HOME) return env.DMAT_HOME;
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_FOLDER);
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_FOLDER);
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_FOLDER);
  }
}

export function databasePath(home = dmatHome()): string {
  return join(home, 'dmat.sqlite');
}

/** Sub-folders of the data home for files the database points at. */
export function homeFolder(kind: 'models' | 'datasets' | 'runs' | 'reports', home = dmatHome()) {
  return join(home, kind);
}

let root: string | undefined;

/**
 * The application's own folder (where package.json, bin/ and resources/ are), found by walking
 * up from this module, so it is right both from the sources and from a bundled build.
 */
export function appRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dmat-studio') {
          return (root = dir);
        }
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the DMAT Studio folder (package.json)');
    dir = parent;
  }
}
