import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  migrate,
  schemaVersion,
  SchemaVersionError,
  type Migration,
} from '../../src/main/store/migrate';
import { migrations } from '../../src/main/store/migrations/index';

const LATEST = migrations[migrations.length - 1].version;
const upTo = (v: number) => migrations.filter((m) => m.version <= v);

function freshDb(version: number): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, upTo(version));
  return db;
}

const tables = (db: Database.Database) =>
  (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);

const insertModel = (db: Database.Database, id: string) =>
  db
    .prepare(
      `INSERT INTO models (id, kind, name, path, format, input_shape, sha256, size_bytes, created_at)
       VALUES (?, 'classifier', ?, ?, 'layers', '[28,28,1]', 'abc', 10, '2026-01-01T00:00:00Z')`,
    )
    .run(id, `net-${id}`, `/m/${id}`);

const insertDataset = (db: Database.Database, id: string) =>
  db
    .prepare(
      `INSERT INTO datasets (id, name, kind, path, image_shape, num_classes, splits, sha256,
         size_bytes, created_at)
       VALUES (?, 'om', 'on-manifold', ?, '[28,28,1]', 10, '[]', 'def', 5, '2026-01-01T00:00:00Z')`,
    )
    .run(id, `/d/${id}`);

const insertAudit = (db: Database.Database, id: string) =>
  db
    .prepare(
      `INSERT INTO audits (id, model_id, model_name, dataset_id, dataset_name, suite_name, suite,
         split, images, samples, seed, batch_size, status, created_at)
       VALUES (?, 'm1', 'net', 'd1', 'om', 'quick', '{}', 'test', 'on-manifold', 4, 0, 2, 'done',
         '2026-01-02T00:00:00Z')`,
    )
    .run(id);

describe('migration list', () => {
  it('has strictly increasing versions starting at 1', () => {
    expect(migrations[0].version).toBe(1);
    for (let i = 1; i < migrations.length; i++) {
      expect(migrations[i].version).toBeGreaterThan(migrations[i - 1].version);
    }
  });

  it('rejects a list whose versions do not increase', () => {
    const db = new Database(':memory:');
    const bad: Migration[] = [migrations[1], migrations[0]];
    expect(() => migrate(db, bad)).toThrow(/must come after v2/);
    expect(schemaVersion(db)).toBe(0);
  });

  it('refuses a database from a newer version of the app', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    expect(() => migrate(db, migrations, 'test.sqlite')).toThrow(SchemaVersionError);
    expect(LATEST).toBeLessThan(99);
    expect(() => migrate(db, migrations, 'test.sqlite')).toThrow(
      new RegExp(`test.sqlite has schema version 99, newer than this app knows \\(${LATEST}\\)`),
    );
  });

  it('runs pending migrations in one transaction: a failing one leaves nothing behind', () => {
    const db = new Database(':memory:');
    const failing: Migration = {
      version: LATEST + 1,
      name: 'broken',
      up: (d) => d.exec('CREATE TABLE half (x INTEGER) STRICT; SELECT * FROM no_such_table;'),
    };
    expect(() => migrate(db, [...migrations, failing])).toThrow(/no_such_table/);
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).toEqual([]);
  });

  it('is idempotent: a second run applies nothing', () => {
    const db = new Database(':memory:');
    expect(migrate(db, migrations)).toEqual(migrations.map((m) => m.version));
    expect(migrate(db, migrations)).toEqual([]);
    expect(schemaVersion(db)).toBe(LATEST);
  });
});

describe('v1 library', () => {
  it('creates STRICT models and datasets tables that reject wrong types and kinds', () => {
    const db = freshDb(1);
    expect(tables(db)).toEqual(['datasets', 'models']);
    insertModel(db, 'm1');
    expect(() =>
      db
        .prepare(
          `INSERT INTO models (id, kind, name, path, format, input_shape, sha256, size_bytes, created_at)
           VALUES ('m2', 'classifier', 'x', '/x', 'layers', '[]', 'a', 'not a number', 'now')`,
        )
        .run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO models (id, kind, name, path, format, input_shape, sha256, size_bytes, created_at)
           VALUES ('m3', 'detector', 'x', '/y', 'layers', '[]', 'a', 1, 'now')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });

  it('clears a dataset generator reference when the generator model is removed', () => {
    const db = freshDb(1);
    insertModel(db, 'g1');
    insertDataset(db, 'd1');
    db.prepare(`UPDATE datasets SET generator_model_id = 'g1'`).run();
    db.prepare(`DELETE FROM models WHERE id = 'g1'`).run();
    expect(db.prepare('SELECT generator_model_id FROM datasets').get()).toEqual({
      generator_model_id: null,
    });
  });
});

describe('v2 audits', () => {
  it('keeps v1 rows and adds the audit tables; deleting an audit cascades to its results', () => {
    const db = freshDb(1);
    insertModel(db, 'm1');
    insertDataset(db, 'd1');
    migrate(db, upTo(2));
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM models').get()).toEqual({ n: 1 });
    insertAudit(db, 'a1');
    db.prepare(
      `INSERT INTO attack_results VALUES ('a1', 'PGD-50', 0, 'pgd-50', 'pgd-linf', 'PGD-50', 'seen',
        'image', 'linf', 'pixel [0,1]', 0.0157, 0.0039, 50, NULL, 0.5, 2, 4, 10, 400, 0.015, 0.0157)`,
    ).run();
    db.prepare(`INSERT INTO audit_samples VALUES ('a1', 0, 3, 3, 1)`).run();
    db.prepare(`INSERT INTO sample_outcomes VALUES ('a1', 'PGD-50', 0, 0, 5, 0.0157)`).run();
    // An outcome must belong to an attack of the audit.
    expect(() =>
      db.prepare(`INSERT INTO sample_outcomes VALUES ('a1', 'FGSM', 0, 0, 5, 0.01)`).run(),
    ).toThrow(/FOREIGN KEY constraint failed/);
    db.prepare(`DELETE FROM audits WHERE id = 'a1'`).run();
    for (const t of ['attack_results', 'audit_samples', 'sample_outcomes']) {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    }
  });

  it('keeps an audit readable after its model is removed', () => {
    const db = freshDb(2);
    insertModel(db, 'm1');
    insertDataset(db, 'd1');
    insertAudit(db, 'a1');
    db.prepare(`DELETE FROM models WHERE id = 'm1'`).run();
    expect(db.prepare('SELECT model_id, model_name FROM audits').get()).toEqual({
      model_id: null,
      model_name: 'net',
    });
  });
});

describe('v3 runs', () => {
  it('adds source_run_id to existing model rows and the run tables', () => {
    const db = freshDb(2);
    insertModel(db, 'm1');
    migrate(db, upTo(3));
    expect(db.prepare(`SELECT id, source_run_id FROM models`).get()).toEqual({
      id: 'm1',
      source_run_id: null,
    });
    db.prepare(
      `INSERT INTO runs (id, name, method, dataset_name, config, status, epochs, created_at, updated_at)
       VALUES ('r1', 'dmat-1', 'dmat', 'om', '{}', 'running', 2, 'now', 'now')`,
    ).run();
    db.prepare(`UPDATE models SET source_run_id = 'r1'`).run();
    const metric = db.prepare(
      `INSERT INTO run_metrics VALUES ('r1', 'step', 0, 7, 'loss', ?, 'now')`,
    );
    metric.run(1.5);
    // One row per (scope, step, name): a replayed step cannot duplicate history.
    expect(() => metric.run(1.4)).toThrow(/UNIQUE constraint failed/);
    db.prepare(`DELETE FROM runs WHERE id = 'r1'`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_metrics').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT source_run_id FROM models').get()).toEqual({ source_run_id: null });
  });
});

describe('v4 reports and jobs', () => {
  it('adds reports linked to audits and jobs with their events', () => {
    const db = freshDb(3);
    insertModel(db, 'm1');
    insertDataset(db, 'd1');
    insertAudit(db, 'a1');
    migrate(db, migrations);
    expect(schemaVersion(db)).toBe(LATEST);
    db.prepare(
      `INSERT INTO reports VALUES ('p1', 'pdf', NULL, '/r/p1.pdf', 100, 'ff', 'now')`,
    ).run();
    db.prepare(`INSERT INTO report_audits VALUES ('p1', 'a1', 0)`).run();
    expect(() => db.prepare(`INSERT INTO report_audits VALUES ('p1', 'zz', 1)`).run()).toThrow(
      /FOREIGN KEY/,
    );
    db.prepare(
      `INSERT INTO jobs (id, kind, target_id, status, started_at) VALUES ('j1', 'audit', 'a1', 'running', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO job_events (job_id, type, payload, at) VALUES ('j1', 'log', '{}', 'now')`,
    ).run();
    db.prepare(`DELETE FROM jobs`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_events').get()).toEqual({ n: 0 });
    db.prepare(`DELETE FROM audits`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM report_audits').get()).toEqual({ n: 0 });
  });
});

describe('v5 leases and the audit batch journal', () => {
  it('keeps one lease per target and journal rows that go with their audit', () => {
    const db = freshDb(4);
    insertModel(db, 'm1');
    insertDataset(db, 'd1');
    insertAudit(db, 'a1');
    migrate(db, migrations);
    const lease = db.prepare(
      `INSERT INTO leases (target_id, job_id, pid, host, acquired_at, heartbeat_at)
       VALUES ('a1', ?, 1, 'h', 'now', 'now')`,
    );
    lease.run('j1');
    expect(() => lease.run('j2')).toThrow(/UNIQUE constraint failed/);
    const batch = db.prepare(
      `INSERT INTO audit_batches (audit_id, phase, batch, record) VALUES (?, 0, 0, '{}')`,
    );
    batch.run('a1');
    expect(() => batch.run('a1')).toThrow(/UNIQUE constraint failed/);
    expect(() => batch.run('zz')).toThrow(/FOREIGN KEY/);
    db.prepare(`DELETE FROM audits`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM audit_batches').get()).toEqual({ n: 0 });
  });
});

describe('v6 attack options', () => {
  const insertResult = (db: Database.Database, key: string, preset: string) =>
    db
      .prepare(
        `INSERT INTO attack_results (audit_id, attack_key, position, preset, attack_id, name,
           family, space, norm, unit, eps, accuracy, correct, total, time_ms,
           images_per_second, mean_norm, max_norm)
         VALUES ('a1', ?, 0, ?, 'fgsm', ?, 'seen', 'image', 'linf', 'pixel [0,1]', 0.1, 0.5, 1,
           2, 1, 1, 0.1, 0.1)`,
      )
      .run(key, preset, key);

  it('records that stored fgsm results ran with a random start, unless their suite said not', () => {
    const db = freshDb(4);
    insertModel(db, 'm1');
    insertDataset(db, 'd1');
    insertAudit(db, 'a1');
    db.prepare(`UPDATE audits SET suite = ? WHERE id = 'a1'`).run(
      JSON.stringify({
        name: 's',
        attacks: [
          { preset: 'fgsm' },
          { preset: 'fgsm', label: 'FGSM plain', options: { randomStart: false } },
          { preset: 'pgd-50' },
        ],
      }),
    );
    insertResult(db, 'FGSM', 'fgsm');
    insertResult(db, 'FGSM plain', 'fgsm');
    insertResult(db, 'PGD-50', 'pgd-50');
    migrate(db, upTo(6));
    const options = Object.fromEntries(
      (
        db.prepare('SELECT attack_key, options FROM attack_results').all() as {
          attack_key: string;
          options: string;
        }[]
      ).map((r) => [r.attack_key, JSON.parse(r.options)]),
    );
    expect(options).toEqual({
      FGSM: { randomStart: true },
      'FGSM plain': { randomStart: false },
      'PGD-50': {},
    });
  });
});
