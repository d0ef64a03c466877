/** Table family: datasets (on-manifold and natural). */
import type { DatasetInfo } from '../../shared/api';
import type { Db } from './database';
import { bool, fromJson, newId, NotFoundError, nowIso, toJson } from './util';

interface DatasetRow {
  id: string;
  name: string;
  kind: DatasetInfo['kind'];
  path: string;
  image_shape: string;
  latent_shape: string | null;
  num_classes: number;
  class_names: string;
  splits: string;
  generator_model_id: string | null;
  sha256: string;
  size_bytes: number;
  builtin: number;
  quality: string;
  provenance: string;
  created_at: string;
}

export type NewDataset = Omit<DatasetInfo, 'id' | 'createdAt'> & { id?: string };

function fromRow(r: DatasetRow): DatasetInfo {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    path: r.path,
    imageShape: fromJson(r.image_shape, []),
    latentShape: fromJson(r.latent_shape, null),
    numClasses: r.num_classes,
    classNames: fromJson(r.class_names, []),
    splits: fromJson(r.splits, []),
    generatorModelId: r.generator_model_id,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    builtin: r.builtin === 1,
    quality: fromJson(r.quality, {}),
    provenance: fromJson(r.provenance, {}),
    createdAt: r.created_at,
  };
}

export function datasetsTable(db: Db) {
  return {
    insert(d: NewDataset): DatasetInfo {
      const id = d.id ?? newId('dst');
      db.prepare(
        `INSERT INTO datasets (id, name, kind, path, image_shape, latent_shape, num_classes,
           class_names, splits, generator_model_id, sha256, size_bytes, builtin, quality,
           provenance, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        d.name,
        d.kind,
        d.path,
        toJson(d.imageShape),
        d.latentShape ? toJson(d.latentShape) : null,
        d.numClasses,
        toJson(d.classNames),
        toJson(d.splits),
        d.generatorModelId,
        d.sha256,
        d.sizeBytes,
        bool(d.builtin),
        toJson(d.quality),
        toJson(d.provenance),
        nowIso(),
      );
      return this.get(id);
    },
    find(id: string): DatasetInfo | undefined {
      const r = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
      return r && fromRow(r);
    },
    get(id: string): DatasetInfo {
      const d = this.find(id);
      if (!d) throw new NotFoundError('dataset', id);
      return d;
    },
    findByPath(path: string): DatasetInfo | undefined {
      const r = db.prepare('SELECT * FROM datasets WHERE path = ?').get(path) as
        DatasetRow | undefined;
      return r && fromRow(r);
    },
    resolve(idOrName: string): DatasetInfo | undefined {
      const r = db
        .prepare(
          'SELECT * FROM datasets WHERE id = ? OR name = ? ORDER BY id = ? DESC, created_at DESC',
        )
        .get(idOrName, idOrName, idOrName) as DatasetRow | undefined;
      return r && fromRow(r);
    },
    list(): DatasetInfo[] {
      const rows = db
        .prepare('SELECT * FROM datasets ORDER BY created_at, id')
        .all() as DatasetRow[];
      return rows.map(fromRow);
    },
    setGenerator(id: string, generatorModelId: string | null): void {
      db.prepare('UPDATE datasets SET generator_model_id = ? WHERE id = ?').run(
        generatorModelId,
        id,
      );
    },
    remove(id: string): void {
      if (db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes === 0) {
        throw new NotFoundError('dataset', id);
      }
    },
  };
}

export type DatasetsTable = ReturnType<typeof datasetsTable>;
