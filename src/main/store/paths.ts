/**
 * Where the app keeps its data: `$DMAT_HOME`, else the platform's user-data folder
 * (the same folder Electron's `app.getPath('userData')` gives for "dmat-studio").
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

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
