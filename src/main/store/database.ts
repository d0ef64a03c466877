/**
 * Opening the SQLite database: WAL (job processes write while the UI reads), foreign keys on,
 * a busy timeout so concurrent writers wait instead of failing, then the migrations.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appRoot } from './paths';
import { migrate } from './migrate';
import { migrations } from './migrations/index';

export type Db = Database.Database;

/**
 * Under Electron the Node-ABI addon in node_modules cannot load: use the one built for this
 * Electron version by bin/electron-sqlite.mjs (named by DMAT_SQLITE_BINDING, or in its folder).
 */
function sqliteBinding(): string | undefined {
  if (process.env.DMAT_SQLITE_BINDING) return process.env.DMAT_SQLITE_BINDING;
  const electron = process.versions.electron;
  if (!electron) return undefined;
  const built = join(
    appRoot(),
    'out',
    'native',
    `electron-${electron}`,
    'build',
    'Release',
    'better_sqlite3.node',
  );
  return existsSync(built) ? built : undefined;
}

export function openDatabase(file: string): Db {
  const memory = file === ':memory:';
  if (!memory) mkdirSync(dirname(file), { recursive: true });
  const nativeBinding = sqliteBinding();
  const db = new Database(file, nativeBinding ? { nativeBinding } : {});
  try {
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
