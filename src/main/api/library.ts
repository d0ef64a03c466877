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
import { readManifest, MANIFEST_FILE } from '../engine/data/manifest';
import { readNpy } from '../engine/data/npy';
import { loadClassifier, loadGenerator } from '../engine/models/load';
import { readModelMeta, META_FILE } from '../engine/models/meta';
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

async function copyInto(kind: 'models' | 'datasets', from: string, home: string): Promise<string> {
  const target = path.join(homeFolder(kind, home), `${path.basename(from)}-${newId('c').slice(2)}`);
  const tmp = `${target}.tmp`;
  await fs.cp(from, tmp, { recursive: true });
  await fs.rename(tmp, target);
  return target;
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

  /** The library entry for a model folder, adding it when it is not there yet. */
  async registerModel(
    p: string,
    opts: { builtin?: boolean; name?: string; copy?: boolean; verify?: boolean } = {},
  ): Promise<ModelInfo> {
    const folder = modelFolderOf(p);
    if (!existsSync(folder)) {
      throw new ApiError('invalid-input', `${folder}: no such model folder`, 'path');
    }
    const known = this.store.models.findByPath(folder);
    if (known) return known;
    const info = await describeModelFolder(folder, opts);
    const where = opts.copy ? await copyInto('models', folder, this.home) : folder;
    return this.store.models.insert({ ...info, path: where });
  }

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
    const info = await describeDatasetFolder(folder, opts);
    const where = opts.copy ? await copyInto('datasets', folder, this.home) : folder;
    const m = await readManifest(path.join(where, MANIFEST_FILE));
    let generatorModelId: string | null = null;
    if (m.generator) {
      const genFolder = path.dirname(path.join(where, m.generator.path));
      if (existsSync(genFolder)) {
        const gen = await this.registerModel(genFolder, {
          builtin: opts.builtin,
          name: `${info.name} generator`,
          verify: false,
        });
        generatorModelId = gen.id;
      }
    }
    return this.store.datasets.insert({ ...info, path: where, generatorModelId });
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
