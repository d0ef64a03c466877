/**
 * Numbered schema migrations. The list's versions must strictly increase; every pending
 * migration runs in ONE transaction that ends by setting `user_version`, so a failure leaves
 * the database as it was. A database written by a newer version of the app is refused rather
 * than silently misread.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1) {
      throw new Error(`migration "${m.name}": version must be a positive integer`);
    }
    if (i > 0 && m.version <= migrations[i - 1].version) {
      throw new Error(
        `migration "${m.name}" (v${m.version}) must come after v${migrations[i - 1].version}`,
      );
    }
  });
}

/** Bring `db` up to the last migration of the list; returns the versions applied. */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  label = 'database',
): number[] {
  checkMigrationList(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new SchemaVersionError(
      `${label} has schema version ${current}, newer than this app knows (${latest}); ` +
        'update DMAT Studio or point DMAT_HOME at another folder',
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return [];
  db.transaction(() => {
    for (const m of pending) m.up(db);
    db.pragma(`user_version = ${latest}`);
  })();
  return pending.map((m) => m.version);
}
