/** Table family: models (classifiers and generators). */
import type { ModelInfo, ModelKind } from '../../shared/api';
import type { Db } from './database';
import { bool, fromJson, newId, NotFoundError, nowIso, toJson } from './util';

interface ModelRow {
  id: string;
  kind: ModelKind;
  name: string;
  path: string;
  format: ModelInfo['format'];
  input_shape: string;
  num_classes: number | null;
  class_names: string;
  preprocessing: string | null;
  latent_shape: string | null;
  architecture: string | null;
  sha256: string;
  size_bytes: number;
  builtin: number;
  source_run_id: string | null;
  provenance: string;
  created_at: string;
}

export type NewModel = Omit<ModelInfo, 'id' | 'createdAt'> & { id?: string };

function fromRow(r: ModelRow): ModelInfo {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    path: r.path,
    format: r.format,
    inputShape: fromJson(r.input_shape, []),
    numClasses: r.num_classes,
    classNames: fromJson(r.class_names, []),
    preprocessing: fromJson(r.preprocessing, null),
    latentShape: fromJson(r.latent_shape, null),
    architecture: r.architecture,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    builtin: r.builtin === 1,
    sourceRunId: r.source_run_id,
    provenance: fromJson(r.provenance, {}),
    createdAt: r.created_at,
  };
}

export function modelsTable(db: Db) {
  return {
    insert(m: NewModel): ModelInfo {
      const id = m.id ?? newId('mdl');
      db.prepare(
        `INSERT INTO models (id, kind, name, path, format, input_shape, num_classes, class_names,
           preprocessing, latent_shape, architecture, sha256, size_bytes, builtin, source_run_id,
           provenance, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        m.kind,
        m.name,
        m.path,
        m.format,
        toJson(m.inputShape),
        m.numClasses,
        toJson(m.classNames),
        m.preprocessing ? toJson(m.preprocessing) : null,
        m.latentShape ? toJson(m.latentShape) : null,
        m.architecture,
        m.sha256,
        m.sizeBytes,
        bool(m.builtin),
        m.sourceRunId,
        toJson(m.provenance),
        nowIso(),
      );
      return this.get(id);
    },
    find(id: string): ModelInfo | undefined {
      const r = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
      return r && fromRow(r);
    },
    get(id: string): ModelInfo {
      const m = this.find(id);
      if (!m) throw new NotFoundError('model', id);
      return m;
    },
    findByPath(path: string): ModelInfo | undefined {
      const r = db.prepare('SELECT * FROM models WHERE path = ?').get(path) as ModelRow | undefined;
      return r && fromRow(r);
    },
    /** A model by id, else by exact name (newest first): what CLI users type. */
    resolve(idOrName: string): ModelInfo | undefined {
      const r = db
        .prepare(
          'SELECT * FROM models WHERE id = ? OR name = ? ORDER BY id = ? DESC, created_at DESC',
        )
        .get(idOrName, idOrName, idOrName) as ModelRow | undefined;
      return r && fromRow(r);
    },
    list(kind?: ModelKind): ModelInfo[] {
      const rows = (
        kind
          ? db.prepare('SELECT * FROM models WHERE kind = ? ORDER BY created_at, id').all(kind)
          : db.prepare('SELECT * FROM models ORDER BY created_at, id').all()
      ) as ModelRow[];
      return rows.map(fromRow);
    },
    remove(id: string): void {
      if (db.prepare('DELETE FROM models WHERE id = ?').run(id).changes === 0) {
        throw new NotFoundError('model', id);
      }
    },
  };
}

export type ModelsTable = ReturnType<typeof modelsTable>;
