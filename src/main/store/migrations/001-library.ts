/** v1: the library — classifiers, generators and datasets (files on disk, metadata here). */
import type { Migration } from '../migrate';

export const libraryMigration: Migration = {
  version: 1,
  name: 'library',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('classifier', 'generator')),
        name          TEXT NOT NULL,
        path          TEXT NOT NULL,
        format        TEXT NOT NULL CHECK (format IN ('layers', 'graph')),
        input_shape   TEXT NOT NULL,           -- JSON [H, W, C]
        num_classes   INTEGER,
        class_names   TEXT NOT NULL DEFAULT '[]',
        preprocessing TEXT,                    -- JSON, null for generators
        latent_shape  TEXT,                    -- JSON, generators only
        architecture  TEXT,
        sha256        TEXT NOT NULL,
        size_bytes    INTEGER NOT NULL,
        builtin       INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        provenance    TEXT NOT NULL DEFAULT '{}',
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX models_path ON models (path);

      CREATE TABLE datasets (
        id                 TEXT PRIMARY KEY,
        name               TEXT NOT NULL,
        kind               TEXT NOT NULL CHECK (kind IN ('on-manifold', 'natural')),
        path               TEXT NOT NULL,
        image_shape        TEXT NOT NULL,
        latent_shape       TEXT,
        num_classes        INTEGER NOT NULL,
        class_names        TEXT NOT NULL DEFAULT '[]',
        splits             TEXT NOT NULL,      -- JSON [{name, count, classCounts}]
        generator_model_id TEXT REFERENCES models (id) ON DELETE SET NULL,
        sha256             TEXT NOT NULL,
        size_bytes         INTEGER NOT NULL,
        builtin            INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        quality            TEXT NOT NULL DEFAULT '{}',
        provenance         TEXT NOT NULL DEFAULT '{}',
        created_at         TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX datasets_path ON datasets (path);
    `);
  },
};
