/**
 * Reading and writing on-manifold datasets (format.md): records (w, g(w), x, y) in NPY arrays
 * beside a manifest. Every array is checked against the manifest on read — dtype, shape, count,
 * label range, pixel range — and a mismatch names the file and the field.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../files/confine';
import { hashModelFiles } from '../models/checksums';
import { META_FILE } from '../models/meta';
import { exists, replaceFolderAtomic } from './atomic';
import { sha256File } from './checksum';
import { DataError, readFailure } from './errors';
import {
  ARRAY_FIELDS,
  DATASET_FORMAT,
  DATASET_VERSION,
  MANIFEST_FILE,
  manifestSchema,
  readManifest,
  type ArrayField,
  type ArrayRef,
  type DatasetManifest,
} from './manifest';
import { sizeOf, type NdArray } from './ndarray';
import { readNpy, writeNpy } from './npy';

export interface DatasetSplit {
  name: string;
  count: number;
  /** Natural images: uint8 0–255 or float32 in [0,1], [N, H, W, C]. */
  x: NdArray<'uint8' | 'float32'>;
  /** Labels, int32 [N]. */
  y: NdArray<'int32'>;
  /** Latent codes, float32 [N, ...latentShape]. */
  w?: NdArray<'float32'>;
  /** On-manifold images g(w), float32 in [0,1]; absent when they are recomputed from w. */
  gw?: NdArray<'float32'>;
}

export interface Dataset {
  /** Absolute folder; undefined for a dataset built in memory. */
  folder?: string;
  manifest: DatasetManifest;
  splits: Record<string, DatasetSplit>;
  /** Absolute model.json of the generator, when the manifest names one. */
  generatorPath?: string;
}

/** The arrays of one split, as given to `writeDataset`. */
export interface SplitArrays {
  x: NdArray<'uint8' | 'float32'>;
  y: NdArray<'int32' | 'uint8'>;
  w?: NdArray<'float32'>;
  gw?: NdArray<'float32'>;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Expected shape of one field's array for `count` records. */
function expectedShape(m: DatasetManifest, field: ArrayField, count: number): number[] {
  if (field === 'y') return [count];
  if (field === 'w') return [count, ...(m.latentShape ?? [])];
  return [count, ...m.imageShape];
}

const ALLOWED_DTYPES: Record<ArrayField, string[]> = {
  x: ['uint8', 'float32'],
  y: ['uint8', 'int32'],
  w: ['float32'],
  gw: ['float32'],
};

/** Check an array against the manifest's expectations; `file` and `field` name it in errors. */
function checkArray(
  m: DatasetManifest,
  field: ArrayField,
  count: number,
  a: NdArray,
  file: string,
  ref?: ArrayRef,
): void {
  if (!ALLOWED_DTYPES[field].includes(a.dtype)) {
    throw new DataError(
      file,
      `dtype ${a.dtype} is not allowed for ${field} (use ${ALLOWED_DTYPES[field].join(' or ')})`,
      'dtype',
    );
  }
  if (ref && ref.dtype !== a.dtype) {
    throw new DataError(file, `holds ${a.dtype} but the manifest says ${ref.dtype}`, 'dtype');
  }
  if (ref && !sameShape(ref.shape, a.shape)) {
    throw new DataError(
      file,
      `has shape ${fmt(a.shape)} but the manifest says ${fmt(ref.shape)}`,
      'shape',
    );
  }
  if (a.shape[0] !== count) {
    const why =
      field === 'x'
        ? `the split's count is ${count}`
        : `x has ${count} (count mismatch between x and ${field})`;
    throw new DataError(file, `holds ${a.shape[0]} records but ${why}`, 'count');
  }
  const want = expectedShape(m, field, count);
  if (!sameShape(want, a.shape)) {
    throw new DataError(
      file,
      `has shape ${fmt(a.shape)}, expected ${fmt(want)} from the manifest's ${field === 'w' ? 'latentShape' : 'imageShape'}`,
      'shape',
    );
  }
  if (field === 'y') {
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= m.numClasses) {
        throw new DataError(file, `label ${v} at index ${i} is outside 0…${m.numClasses - 1}`, 'y');
      }
    }
  } else if (a.dtype === 'float32') {
    const inBox = field === 'x' || field === 'gw';
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i];
      if (!Number.isFinite(v) || (inBox && (v < 0 || v > 1))) {
        throw new DataError(
          file,
          `value ${v} at index ${i} is ${Number.isFinite(v) ? 'outside [0,1] (float images are in [0,1] pixel units)' : 'not finite'}`,
          field,
        );
      }
    }
  }
}

function toInt32(a: NdArray<'int32' | 'uint8'>): NdArray<'int32'> {
  return a.dtype === 'int32'
    ? (a as NdArray<'int32'>)
    : { dtype: 'int32', shape: a.shape, data: Int32Array.from(a.data) };
}

/** An array file named by the manifest, refused unless it lies inside the dataset folder. */
function arrayFilePath(dir: string, manifestFile: string, field: string, rel: string): string {
  return confinedPath(dir, rel, (problem) => new DataError(manifestFile, problem, field));
}

/** The generator's model.json named by the manifest, refused unless inside the dataset folder. */
export function generatorModelPath(dir: string, manifest: DatasetManifest): string {
  const rel = manifest.generator?.path ?? '';
  const file = confinedPath(
    dir,
    rel,
    (problem) => new DataError(path.join(dir, MANIFEST_FILE), problem, 'generator.path'),
  );
  if (path.resolve(dir) === path.dirname(file)) {
    throw new DataError(
      path.join(dir, MANIFEST_FILE),
      `"${rel}" must name the model.json of a generator folder inside the dataset folder (e.g. generator/model.json)`,
      'generator.path',
    );
  }
  return file;
}

export interface ReadDatasetOptions {
  /** Read only these splits (default: all). */
  splits?: string[];
}

export async function readDataset(folder: string, opts: ReadDatasetOptions = {}): Promise<Dataset> {
  const dir = path.resolve(folder);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const manifest = await readManifest(manifestFile);
  const names = opts.splits ?? Object.keys(manifest.splits);
  const splits: Record<string, DatasetSplit> = {};
  for (const name of names) {
    const s = manifest.splits[name];
    if (!s) {
      throw new DataError(
        manifestFile,
        `has no split "${name}" (it has ${Object.keys(manifest.splits).join(', ')})`,
        'splits',
      );
    }
    if (s.files.w && !manifest.latentShape) {
      throw new DataError(
        manifestFile,
        `split "${name}" has latent codes but latentShape is null`,
        'latentShape',
      );
    }
    const arrays: Partial<Record<ArrayField, NdArray>> = {};
    for (const field of ARRAY_FIELDS) {
      const ref = s.files[field];
      if (!ref) continue;
      const file = arrayFilePath(dir, manifestFile, `splits.${name}.files.${field}.path`, ref.path);
      const a = await readNpy(file);
      checkArray(manifest, field, s.count, a, file, ref);
      arrays[field] = a;
    }
    splits[name] = {
      name,
      count: s.count,
      x: arrays.x as NdArray<'uint8' | 'float32'>,
      y: toInt32(arrays.y as NdArray<'int32' | 'uint8'>),
      w: arrays.w as NdArray<'float32'> | undefined,
      gw: arrays.gw as NdArray<'float32'> | undefined,
    };
  }
  const generatorPath = manifest.generator ? generatorModelPath(dir, manifest) : undefined;
  return { folder: dir, manifest, splits, generatorPath };
}

/** What a caller gives `writeDataset`: the manifest less what is derived from the arrays. */
export type ManifestInput = Omit<
  DatasetManifest,
  'format' | 'version' | 'splits' | 'generator' | 'latentShape'
> & {
  latentShape?: number[] | null;
  generator?: DatasetManifest['generator'];
};

export interface WriteDatasetOptions {
  /**
   * A generator model folder to copy into `<dataset>/generator/`; the manifest then points at it
   * with its checksum.
   */
  generatorFolder?: string;
}

/**
 * Write a dataset folder atomically (into a temporary folder, renamed into place): the arrays as
 * NPY files, then the manifest with each file's shape, dtype and sha256.
 */
export async function writeDataset(
  folder: string,
  input: ManifestInput,
  arrays: Record<string, SplitArrays>,
  opts: WriteDatasetOptions = {},
): Promise<DatasetManifest> {
  const target = path.resolve(folder);
  let written: DatasetManifest | undefined;
  await replaceFolderAtomic(target, async (tmp) => {
    const draft: DatasetManifest = {
      format: DATASET_FORMAT,
      version: DATASET_VERSION,
      ...input,
      latentShape: input.latentShape ?? null,
      generator: input.generator ?? null,
      splits: {},
    };
    if (opts.generatorFolder) {
      await fs.cp(path.resolve(opts.generatorFolder), path.join(tmp, 'generator'), {
        recursive: true,
      });
      const files = await hashModelFiles(path.join(tmp, 'generator', 'model.json'));
      // The sidecar matters too: its output range changes what g(w) is.
      const sidecar = path.join(tmp, 'generator', META_FILE);
      if (await exists(sidecar)) files[META_FILE] = await sha256File(sidecar);
      draft.generator = { path: 'generator/model.json', sha256: files['model.json'], files };
    }
    for (const [split, a] of Object.entries(arrays)) {
      const count = a.x.shape[0];
      const files: Partial<Record<ArrayField, ArrayRef>> = {};
      for (const field of ARRAY_FIELDS) {
        const arr = field === 'y' && a.y ? toInt32(a.y) : a[field];
        if (!arr) continue;
        const rel = `${split}/${field}.npy`;
        const where = path.join(target, rel);
        if (sizeOf(arr.shape) !== arr.data.length) {
          throw new DataError(
            where,
            `has ${arr.data.length} values for shape ${fmt(arr.shape)}`,
            'shape',
          );
        }
        checkArray(draft, field, count, arr, where);
        await writeNpy(path.join(tmp, rel), arr);
        files[field] = {
          path: rel,
          dtype: arr.dtype,
          shape: arr.shape,
          sha256: await sha256File(path.join(tmp, rel)),
        };
      }
      const classCounts = new Array<number>(draft.numClasses).fill(0);
      for (const label of a.y.data) classCounts[label]++;
      draft.splits[split] = {
        count,
        classCounts,
        files: files as DatasetManifest['splits'][string]['files'],
      };
    }
    written = manifestSchema.parse(draft);
    if (written.classNames.length !== written.numClasses) {
      throw new DataError(
        path.join(target, MANIFEST_FILE),
        `has ${written.classNames.length} names for ${written.numClasses} classes`,
        'classNames',
      );
    }
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(written, null, 2)}\n`);
  });
  return written!;
}

/**
 * A dataset held in memory, from arrays read elsewhere (IDX files, an image folder), checked as
 * strictly as a dataset read from disk. Nothing is written; `batches` works on it as on any other.
 */
export function datasetFromArrays(
  input: ManifestInput,
  arrays: Record<string, SplitArrays>,
): Dataset {
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    ...input,
    latentShape: input.latentShape ?? null,
    generator: input.generator ?? null,
    splits: {},
  };
  if (manifest.classNames.length !== manifest.numClasses) {
    throw new DataError(
      input.name,
      `has ${manifest.classNames.length} names for ${manifest.numClasses} classes`,
      'classNames',
    );
  }
  const splits: Record<string, DatasetSplit> = {};
  for (const [name, a] of Object.entries(arrays)) {
    const count = a.x.shape[0];
    const y = toInt32(a.y);
    const files: Partial<Record<ArrayField, ArrayRef>> = {};
    for (const field of ARRAY_FIELDS) {
      const arr = field === 'y' ? y : a[field];
      if (!arr) continue;
      checkArray(manifest, field, count, arr, `${input.name}: ${name}.${field}`);
      files[field] = { path: `${name}/${field}.npy`, dtype: arr.dtype, shape: arr.shape };
    }
    manifest.splits[name] = { count, files: files as DatasetManifest['splits'][string]['files'] };
    splits[name] = { name, count, x: a.x, y, w: a.w, gw: a.gw };
  }
  return { manifest: manifestSchema.parse(manifest), splits };
}

export interface VerifyProblem {
  file: string;
  message: string;
}

/**
 * Check every file of a dataset against the manifest's sha256 and then read it fully (shapes,
 * counts, ranges). Returns the problems found rather than throwing, so a UI can list them all.
 */
export async function verifyDataset(
  folder: string,
): Promise<{ ok: boolean; problems: VerifyProblem[] }> {
  const dir = path.resolve(folder);
  const problems: VerifyProblem[] = [];
  let manifest: DatasetManifest;
  try {
    manifest = await readManifest(path.join(dir, MANIFEST_FILE));
  } catch (err) {
    return {
      ok: false,
      problems: [{ file: path.join(dir, MANIFEST_FILE), message: (err as Error).message }],
    };
  }
  const manifestFile = path.join(dir, MANIFEST_FILE);
  for (const [name, split] of Object.entries(manifest.splits)) {
    for (const [field, ref] of Object.entries(split.files)) {
      if (!ref?.sha256) continue;
      let file: string;
      try {
        file = arrayFilePath(dir, manifestFile, `splits.${name}.files.${field}.path`, ref.path);
      } catch (err) {
        problems.push({ file: manifestFile, message: (err as Error).message });
        continue;
      }
      try {
        const got = await sha256File(file);
        if (got !== ref.sha256) {
          problems.push({
            file,
            message: `${file}: checksum mismatch (manifest sha256 ${ref.sha256.slice(0, 12)}…, file ${got.slice(0, 12)}…)`,
          });
        }
      } catch (err) {
        problems.push({
          file,
          message: `${file}: ${readFailure(err)}`,
        });
      }
    }
  }
  if (manifest.generator) {
    let genDir: string;
    try {
      genDir = path.dirname(generatorModelPath(dir, manifest));
    } catch (err) {
      return {
        ok: false,
        problems: [...problems, { file: manifestFile, message: (err as Error).message }],
      };
    }
    const recorded: Record<string, string> = { ...manifest.generator.files };
    if (manifest.generator.sha256)
      recorded[path.basename(manifest.generator.path)] ??= manifest.generator.sha256;
    for (const [rel, want] of Object.entries(recorded)) {
      let file: string;
      try {
        file = confinedPath(
          genDir,
          rel,
          (problem) => new DataError(manifestFile, problem, 'generator.files'),
        );
      } catch (err) {
        problems.push({ file: manifestFile, message: (err as Error).message });
        continue;
      }
      try {
        if ((await sha256File(file)) !== want) {
          problems.push({
            file,
            message: `${file}: generator checksum mismatch (the generator changed since the dataset was built)`,
          });
        }
      } catch (err) {
        problems.push({ file, message: `${file}: ${readFailure(err)}` });
      }
    }
  }
  if (problems.length === 0) {
    try {
      await readDataset(dir);
    } catch (err) {
      problems.push({ file: (err as DataError).file ?? dir, message: (err as Error).message });
    }
  }
  return { ok: problems.length === 0, problems };
}
