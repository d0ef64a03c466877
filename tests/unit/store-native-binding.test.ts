import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/store/database';

const require = createRequire(import.meta.url);
const nodeAddon = join(
  dirname(require.resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);

describe('SQLite native binding (Electron builds its own)', () => {
  afterEach(() => {
    delete process.env.DMAT_SQLITE_BINDING;
  });

  it('loads the addon named by DMAT_SQLITE_BINDING', () => {
    process.env.DMAT_SQLITE_BINDING = nodeAddon;
    const db = openDatabase(':memory:');
    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 });
    db.close();
  });

  it('names the addon it could not load', () => {
    process.env.DMAT_SQLITE_BINDING = '/nowhere/better_sqlite3.node';
    expect(() => openDatabase(':memory:')).toThrow(/nowhere\/better_sqlite3\.node/);
  });
});
