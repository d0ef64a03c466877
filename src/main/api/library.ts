/**
 * The library: models and datasets known to the store. Importing validates the files with the
 * engine's loaders (so a bad model is refused with the file named), optionally copies them into
 * `$DMAT_HOME`, and records metadata and checksums. The embedded defaults in `resources/` are
 * registered on first use.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { DatasetInfo, DatasetSplitInfo, ModelInfo, ModelKind } from '../../shared/api';
import { sha256File } from '../engine/data/checksum';
import { generatorModelPath, verifyDataset } from '../engine/data/dataset';
import { DataError } from '../engine/data/errors';
import { readManifest, MANIFEST_FILE } from '../engine/data/manifest';
import { modelFiles } from '../engine/models/checksums';
import { MODEL_JSON } from '../engine/models/fs-handler';
import { readNpy } from '../engine/data/npy';
import { loadClassifier, loadGenerator } from '../engine/models/load';
import { readModelMeta, META_FILE } from '../engine/models/meta';
import { importOnnxClassifier, isOnnxPath } from '../engine/models/onnx/import';
import { saveClassifier } from '../engine/models/save';
import type { Preprocessing } from '../engine/models/types';
import { initBackend } from '../engine/runtime/backend';
import type { Store } from '../store/index';
import { homeFolder } from '../store/paths';
import { newId } from '../store/util';
import { ApiError } from './errors';

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await folderSize(p) : (await fs.stat(p)).size;
  }
  return total;
}

/** A model folder from a folder or a model.json path. */
function modelFolderOf(p: string): string {
  const abs = path.resolve(p);
  return abs.endsWith('.json') ? path.dirname(abs) : abs;
}

/**
 * Copy exactly the files a validated model or dataset uses (never the rest of its folder, and
 * never what a stray symbolic link in it points to) into a new folder under `$DMAT_HOME`,
 * renamed into place once complete.
 */
async function copyInto(
  kind: 'models' | 'datasets',
  from: string,
  files: string[],
  home: string,
): Promise<string> {
  const target = path.join(homeFolder(kind, home), `${path.basename(from)}-${newId('c').slice(2)}`);
  const tmp = `${target}.tmp`;
  try {
    for (const rel of files) {
      await fs.mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await fs.copyFile(path.join(from, rel), path.join(tmp, rel));
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}

/** The files of a model folder: model.json, its weight files and the sidecar (when present). */
async function modelFolderFiles(folder: string): Promise<string[]> {
  const files = await modelFiles(path.join(folder, MODEL_JSON));
  return existsSync(path.join(folder, META_FILE)) ? [...files, META_FILE] : files;
}

/** The files of a dataset: manifest, every array and its generator's files, relative to it. */
async function datasetFolderFiles(folder: string): Promise<string[]> {
  const m = await readManifest(path.join(folder, MANIFEST_FILE));
  const arrays = Object.values(m.splits).flatMap((s) =>
    Object.values(s.files).map((f) => path.normalize(f.path)),
  );
  const generator = m.generator
    ? (await modelFolderFiles(path.dirname(generatorModelPath(folder, m)))).map((f) =>
        path.join(path.dirname(path.normalize(m.generator!.path)), f),
      )
    : [];
  return [MANIFEST_FILE, ...new Set([...arrays, ...generator])];
}

/** Validate a model folder with the engine's loader and describe it (nothing is stored). */
export async function describeModelFolder(
  folder: string,
  opts: { builtin?: boolean; name?: string; verify?: boolean } = {},
): Promise<Omit<ModelInfo, 'id' | 'createdAt'>> {
  const meta = await readModelMeta(folder);
  const kind: ModelKind = meta?.kind ?? 'classifier';
  let sha256: string;
  let inputShape: number[];
  let numClasses: number | null = null;
  let latentShape: number[] | null = null;
  if (opts.verify === false && meta?.sha256) {
    sha256 = meta.sha256;
    inputShape = meta.inputShape ?? meta.imageShape ?? [];
    numClasses = meta.numClasses ?? null;
    latentShape = meta.latentShape ?? null;
  } else {
    await initBackend();
    if (kind === 'generator') {
      const g = await loadGenerator(folder);
      sha256 = g.sha256;
      inputShape = [...g.model.imageShape];
      latentShape = [...g.model.latentShape];
      g.model.dispose();
    } else {
      const c = await loadClassifier(folder);
      sha256 = c.sha256;
      inputShape = [...c.model.inputShape];
      numClasses = c.model.numClasses;
      c.model.dispose();
    }
  }
  return {
    kind,
    name: opts.name ?? meta?.name ?? path.basename(folder),
    path: folder,
    format: meta?.modelFormat === 'graph-model' ? 'graph' : 'layers',
    inputShape,
    numClasses,
    classNames: meta?.classNames ?? [],
    preprocessing: meta?.preprocessing ?? null,
    latentShape,
    architecture: meta?.architecture ?? null,
    sha256,
    sizeBytes: await folderSize(folder),
    builtin: opts.builtin ?? false,
    sourceRunId: null,
    provenance: meta?.provenance ?? {},
  };
}

/** Read a dataset folder's manifest and labels and describe it (nothing is stored). */
export async function describeDatasetFolder(
  folder: string,
  opts: { builtin?: boolean; name?: string } = {},
): Promise<Omit<DatasetInfo, 'id' | 'createdAt' | 'generatorModelId'>> {
  const manifestFile = path.join(folder, MANIFEST_FILE);
  const m = await readManifest(manifestFile);
  const splits: DatasetSplitInfo[] = [];
  for (const [name, s] of Object.entries(m.splits)) {
    const y = await readNpy(path.join(folder, s.files.y.path));
    const classCounts = new Array<number>(m.numClasses).fill(0);
    for (const v of y.data) if (v >= 0 && v < m.numClasses) classCounts[v]++;
    splits.push({ name, count: s.count, classCounts });
  }
  return {
    name: opts.name ?? m.name,
    kind: m.latentShape ? 'on-manifold' : 'natural',
    path: folder,
    imageShape: [...m.imageShape],
    latentShape: m.latentShape,
    numClasses: m.numClasses,
    classNames: m.classNames,
    splits,
    sha256: await sha256File(manifestFile),
    sizeBytes: await folderSize(folder),
    builtin: opts.builtin ?? false,
    quality: (m.quality ?? {}) as DatasetInfo['quality'],
    provenance: m.provenance,
  };
}

/**
 * A dataset as a whole: every file against its checksum and the manifest, then its generator
 * against the dataset (latent codes it takes, images it makes). Throws the first problem.
 */
export async function validateDatasetFolder(folder: string): Promise<void> {
  const { problems } = await verifyDataset(folder);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    // Each problem's message already names its file (and field).
    throw Object.assign(new Error(`${problems[0].message}${more}`), { name: 'UserError' });
  }
  const manifestFile = path.join(folder, MANIFEST_FILE);
  const m = await readManifest(manifestFile);
  if (!m.generator) return;
  await initBackend();
  const g = await loadGenerator(generatorModelPath(folder, m));
  try {
    const same = (a: readonly number[], b: readonly number[]) =>
      a.length === b.length && a.every((v, i) => v === b[i]);
    if (m.latentShape && !same(g.model.latentShape, m.latentShape)) {
      throw new DataError(
        manifestFile,
        `is [${m.latentShape.join(', ')}] but the generator ${g.file} takes latent codes of shape [${g.model.latentShape.join(', ')}]`,
        'latentShape',
      );
    }
    if (!same(g.model.imageShape, m.imageShape)) {
      throw new DataError(
        manifestFile,
        `is [${m.imageShape.join(', ')}] but the generator ${g.file} makes images of shape [${g.model.imageShape.join(', ')}]`,
        'imageShape',
      );
    }
  } finally {
    g.model.dispose();
  }
}

export class Library {
  /** Pending or finished registration of the embedded defaults, shared by concurrent callers. */
  private builtins: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly home: string,
    private readonly resourcesDir: string,
  ) {}

  /** Register the embedded classifiers and dataset (once per process; cheap when present). */
  ensureBuiltins(): Promise<void> {
    this.builtins ??= this.registerBuiltins();
    return this.builtins;
  }

  private async registerBuiltins(): Promise<void> {
    const modelsDir = path.join(this.resourcesDir, 'models');
    if (existsSync(modelsDir)) {
      for (const e of await fs.readdir(modelsDir, { withFileTypes: true })) {
        const folder = path.join(modelsDir, e.name);
        if (e.isDirectory() && existsSync(path.join(folder, META_FILE))) {
          await this.registerModel(folder, { builtin: true, verify: false }).catch(() => undefined);
        }
      }
    }
    for (const e of existsSync(this.resourcesDir) ? await fs.readdir(this.resourcesDir) : []) {
      const folder = path.join(this.resourcesDir, e);
      if (existsSync(path.join(folder, MANIFEST_FILE))) {
        await this.registerDataset(folder, { builtin: true }).catch(() => undefined);
      }
    }
  }

  /**
   * The library entry for a model folder, adding it when it is not there yet. The model is
   * validated in full first (weights confined to the folder and covering every variable,
   * checksums, shapes, logits); a failure writes nothing.
   */
  async registerModel(
    p: string,
    opts: {
      builtin?: boolean;
      name?: string;
      copy?: boolean;
      verify?: boolean;
      /** Refuse weights the library already holds (same sha256) instead of adding them twice. */
      refuseDuplicate?: boolean;
      /** ONNX only: how [0,1] pixels become the graph's input. */
      preprocessing?: Partial<Preprocessing>;
    } = {},
  ): Promise<ModelInfo> {
    if (isOnnxPath(p)) return this.importOnnx(p, opts);
    if (opts.preprocessing) {
      throw new ApiError(
        'invalid-input',
        `${p}: preprocessing options apply to ONNX imports; a TensorFlow.js model keeps its preprocessing in ${META_FILE}`,
        'preprocessing',
      );
    }
    const folder = modelFolderOf(p);
    if (!existsSync(folder)) {
      throw new ApiError('invalid-input', `${folder}: no such model folder`, 'path');
    }
    const known = this.store.models.findByPath(folder);
    if (known) return known;
    const info = await describeModelFolder(folder, opts);
    if (opts.refuseDuplicate) {
      const same = this.store.models
        .list()
        .find((m) => m.sha256 === info.sha256 && m.kind === info.kind);
      if (same) {
        throw new ApiError(
          'conflict',
          `${folder}: these weights (sha256 ${info.sha256.slice(0, 12)}…) are already in the library as "${same.name}" (${same.id})`,
          'path',
        );
      }
    }
    const where = opts.copy
      ? await copyInto('models', folder, await modelFolderFiles(folder), this.home)
      : folder;
    return this.insertOrRemoveCopy(where !== folder ? where : undefined, () =>
      this.store.models.insert({ ...info, path: where }),
    );
  }

  /**
   * An ONNX classifier: converted to a TensorFlow.js folder under `$DMAT_HOME/models` once the
   * whole graph converts and passes the classifier checks (nothing is written before), then
   * loaded back from that folder to prove it reloads. The same file (by sha256) is imported once:
   * naming it again finds the earlier import, or is refused when importing on purpose.
   */
  private async importOnnx(
    p: string,
    opts: {
      name?: string;
      copy?: boolean;
      refuseDuplicate?: boolean;
      preprocessing?: Partial<Preprocessing>;
    },
  ): Promise<ModelInfo> {
    const file = path.resolve(p);
    if (!existsSync(file)) throw new ApiError('invalid-input', `${file}: no such file`, 'path');
    if (opts.copy === false) {
      throw new ApiError(
        'invalid-input',
        `${file}: an ONNX model is converted into the library's folder; it cannot be referenced in place (drop --no-copy)`,
        'copy',
      );
    }
    const sha = await sha256File(file);
    const earlier = this.store.models
      .list()
      .find((m) => (m.provenance as { sourceSha256?: string }).sourceSha256 === sha);
    if (earlier && opts.refuseDuplicate) {
      throw new ApiError(
        'conflict',
        `${file}: this ONNX file (sha256 ${sha.slice(0, 12)}…) is already in the library as "${earlier.name}" (${earlier.id})`,
        'path',
      );
    }
    if (earlier) return earlier;
    await initBackend();
    const imported = await importOnnxClassifier(file, {
      name: opts.name,
      preprocessing: opts.preprocessing,
    });
    const base = path
      .basename(file)
      .replace(/\.onnx$/i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_');
    const target = path.join(homeFolder('models', this.home), `${base}-${newId('c').slice(2)}`);
    const tmp = `${target}.tmp`;
    try {
      await saveClassifier(tmp, imported.classifier, {
        architecture: imported.architecture,
        provenance: { ...imported.provenance, importNotes: imported.notes },
      });
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    } finally {
      imported.classifier.dispose();
    }
    try {
      const info = await describeModelFolder(target, { name: opts.name });
      return this.store.models.insert({ ...info, path: target });
    } catch (err) {
      await fs.rm(target, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * The library entry for a dataset folder. Every array is read and checked against the
   * manifest (checksums, dtypes, shapes, counts, label range, finiteness, paths inside the
   * folder), and its generator is loaded and checked against the dataset's latent and image
   * shapes, before anything is written; the dataset and its generator are then registered in one
   * transaction, so a failure leaves no row behind.
   */
  async registerDataset(
    p: string,
    opts: { builtin?: boolean; name?: string; copy?: boolean } = {},
  ): Promise<DatasetInfo> {
    const folder = path.resolve(p);
    if (!existsSync(path.join(folder, MANIFEST_FILE))) {
      throw new ApiError(
        'invalid-input',
        `${folder}: not a dataset folder (it has no ${MANIFEST_FILE})`,
        'path',
      );
    }
    const known = this.store.datasets.findByPath(folder);
    if (known) return known;
    if (!opts.builtin) await validateDatasetFolder(folder);
    const info = await describeDatasetFolder(folder, opts);
    const m = await readManifest(path.join(folder, MANIFEST_FILE));
    const genFolder = m.generator ? path.dirname(generatorModelPath(folder, m)) : undefined;
    const generatorInfo = genFolder
      ? await describeModelFolder(genFolder, {
          builtin: opts.builtin,
          name: `${info.name} generator`,
          verify: !opts.builtin,
        })
      : undefined;
    const where = opts.copy
      ? await copyInto('datasets', folder, await datasetFolderFiles(folder), this.home)
      : folder;
    const genWhere = genFolder && path.join(where, path.relative(folder, genFolder));
    return this.insertOrRemoveCopy(where !== folder ? where : undefined, () =>
      this.store.transaction(() => {
        const gen =
          generatorInfo &&
          (this.store.models.findByPath(genWhere!) ??
            this.store.models.insert({ ...generatorInfo, path: genWhere! }));
        return this.store.datasets.insert({
          ...info,
          path: where,
          generatorModelId: gen ? gen.id : null,
        });
      }),
    );
  }

  /** Run the store write; if it fails, remove the copy made for it. */
  private async insertOrRemoveCopy<T>(copy: string | undefined, write: () => T): Promise<T> {
    try {
      return write();
    } catch (err) {
      if (copy) await fs.rm(copy, { recursive: true, force: true });
      throw err;
    }
  }

  /** Resolve what a user typed: a library id, a name, or a path to a folder. */
  async resolveModel(ref: string, kind: ModelKind = 'classifier'): Promise<ModelInfo> {
    await this.ensureBuiltins();
    const m =
      this.store.models.resolve(ref) ??
      (existsSync(ref) ? await this.registerModel(ref) : undefined);
    if (!m) throw new ApiError('not-found', `no model "${ref}" in the library and no such folder`);
    if (m.kind !== kind) {
      throw new ApiError('invalid-input', `"${ref}" is a ${m.kind}, expected a ${kind}`, 'modelId');
    }
    return m;
  }

  async resolveDataset(ref: string): Promise<DatasetInfo> {
    await this.ensureBuiltins();
    const d =
      this.store.datasets.resolve(ref) ??
      (existsSync(ref) ? await this.registerDataset(ref) : undefined);
    if (!d)
      throw new ApiError('not-found', `no dataset "${ref}" in the library and no such folder`);
    return d;
  }

  /** Remove from the library; files are deleted only when they live under $DMAT_HOME. */
  async remove(kind: 'model' | 'dataset', id: string, deleteFiles = false): Promise<void> {
    const item = kind === 'model' ? this.store.models.get(id) : this.store.datasets.get(id);
    if (item.builtin) {
      throw new ApiError('conflict', `"${item.name}" is built in and cannot be removed`);
    }
    if (kind === 'model') this.store.models.remove(id);
    else this.store.datasets.remove(id);
    const inside = path.relative(this.home, item.path);
    if (deleteFiles && !inside.startsWith('..') && !path.isAbsolute(inside)) {
      await fs.rm(item.path, { recursive: true, force: true });
    }
  }
}
