/**
 * v2: audits and everything they produce. Per-sample outcomes are kept per attack so the worst
 * case over any subset of attacks can be recomputed without re-running anything.
 */
import type { Migration } from '../migrate';

export const auditsMigration: Migration = {
  version: 2,
  name: 'audits',
  up(db) {
    db.exec(`
      CREATE TABLE audits (
        id                  TEXT PRIMARY KEY,
        model_id            TEXT REFERENCES models (id) ON DELETE SET NULL,
        model_name          TEXT NOT NULL,     -- kept so history reads after a model is removed
        dataset_id          TEXT REFERENCES datasets (id) ON DELETE SET NULL,
        dataset_name        TEXT NOT NULL,
        suite_name          TEXT NOT NULL,
        suite               TEXT NOT NULL,     -- JSON SuiteDefinition as run
        split               TEXT NOT NULL CHECK (split IN ('train', 'test')),
        images              TEXT NOT NULL CHECK (images IN ('on-manifold', 'natural')),
        samples             INTEGER NOT NULL,
        seed                INTEGER NOT NULL,
        batch_size          INTEGER NOT NULL,
        workers             INTEGER NOT NULL DEFAULT 1,
        status              TEXT NOT NULL
                            CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        standard_accuracy   REAL,
        worst_case_accuracy REAL,
        backend             TEXT NOT NULL DEFAULT '',
        reproducibility     TEXT NOT NULL DEFAULT '{}',
        created_at          TEXT NOT NULL,
        finished_at         TEXT,
        duration_ms         INTEGER,
        error               TEXT
      ) STRICT;
      CREATE INDEX audits_created ON audits (created_at);

      CREATE TABLE attack_results (
        audit_id          TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        attack_key        TEXT NOT NULL,
        position          INTEGER NOT NULL,
        preset            TEXT NOT NULL,
        attack_id         TEXT NOT NULL,
        name              TEXT NOT NULL,
        family            TEXT NOT NULL,
        space             TEXT NOT NULL CHECK (space IN ('image', 'latent')),
        norm              TEXT NOT NULL,
        unit              TEXT NOT NULL,
        eps               REAL NOT NULL,
        step_size         REAL,
        steps             INTEGER,
        scaling           TEXT,
        accuracy          REAL NOT NULL,
        correct           INTEGER NOT NULL,
        total             INTEGER NOT NULL,
        time_ms           REAL NOT NULL,
        images_per_second REAL NOT NULL,
        mean_norm         REAL NOT NULL,
        max_norm          REAL NOT NULL,
        PRIMARY KEY (audit_id, attack_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE audit_samples (
        audit_id        TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        sample_index    INTEGER NOT NULL,      -- index into the audited split
        label           INTEGER NOT NULL,
        clean_predicted INTEGER NOT NULL,
        clean_correct   INTEGER NOT NULL CHECK (clean_correct IN (0, 1)),
        PRIMARY KEY (audit_id, sample_index)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE sample_outcomes (
        audit_id          TEXT NOT NULL,
        attack_key        TEXT NOT NULL,
        sample_index      INTEGER NOT NULL,
        correct           INTEGER NOT NULL CHECK (correct IN (0, 1)),
        predicted         INTEGER NOT NULL,
        perturbation_norm REAL NOT NULL,
        PRIMARY KEY (audit_id, attack_key, sample_index),
        FOREIGN KEY (audit_id, attack_key)
          REFERENCES attack_results (audit_id, attack_key) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE gallery_images (
        id                    INTEGER PRIMARY KEY,
        audit_id              TEXT NOT NULL,
        attack_key            TEXT NOT NULL,
        sample_index          INTEGER NOT NULL,
        label                 INTEGER NOT NULL,
        clean_predicted       INTEGER NOT NULL,
        adversarial_predicted INTEGER NOT NULL,
        perturbation_norm     REAL NOT NULL,
        difference_scale      REAL NOT NULL,
        clean_png             BLOB NOT NULL,
        adversarial_png       BLOB NOT NULL,
        difference_png        BLOB NOT NULL,
        FOREIGN KEY (audit_id, attack_key)
          REFERENCES attack_results (audit_id, attack_key) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX gallery_by_audit ON gallery_images (audit_id, attack_key);

      CREATE TABLE sanity_flags (
        id         INTEGER PRIMARY KEY,
        audit_id   TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        check_id   TEXT NOT NULL,
        severity   TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
        message    TEXT NOT NULL,
        attack_key TEXT,
        details    TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX sanity_by_audit ON sanity_flags (audit_id);

      CREATE TABLE sweep_points (
        audit_id TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
        preset   TEXT NOT NULL,
        name     TEXT NOT NULL,
        unit     TEXT NOT NULL,
        norm     TEXT NOT NULL,
        eps      REAL NOT NULL,
        accuracy REAL NOT NULL,
        PRIMARY KEY (audit_id, preset, eps)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
