/** The on-manifold dataset manifest (see format.md): schema, types and a reader. */
import { z } from 'zod';
import { parseJsonText, readTextCapped } from '../files/json-text';
import { FILE_LIMITS } from '../files/limits';
import { DataError } from './errors';

export const MANIFEST_FILE = 'manifest.json';
export const DATASET_FORMAT = 'dmat-dataset';
export const DATASET_VERSION = 1;

const dim = z.number().int().positive();

export const arrayRefSchema = z.object({
  /** Relative to the dataset folder. */
  path: z.string().min(1),
  dtype: z.enum(['float32', 'uint8', 'int32']),
  shape: z.array(z.number().int().nonnegative()),
  sha256: z.string().optional(),
});

/** The arrays of one record field; x and y are required, w and gw are on-manifold extras. */
export const ARRAY_FIELDS = ['x', 'y', 'w', 'gw'] as const;
export type ArrayField = (typeof ARRAY_FIELDS)[number];

export const splitSchema = z.object({
  count: z.number().int().nonnegative(),
  /** Samples per class, index = class (written by the engine; informative). */
  classCounts: z.array(z.number().int().nonnegative()).optional(),
  /** x, y and optionally w, gw; further per-sample arrays (e.g. projection l1, psnr) may follow. */
  files: z
    .object({
      x: arrayRefSchema,
      y: arrayRefSchema,
      w: arrayRefSchema.optional(),
      gw: arrayRefSchema.optional(),
    })
    .catchall(arrayRefSchema),
});

export const manifestSchema = z.object({
  format: z.literal(DATASET_FORMAT),
  version: z.literal(DATASET_VERSION),
  name: z.string().min(1),
  imageShape: z.tuple([dim, dim, dim]),
  /** Shape of one latent code; null for a natural-only dataset. */
  latentShape: z.array(dim).nullable(),
  numClasses: z.number().int().min(2),
  classNames: z.array(z.string()),
  /**
   * The generator g, relative to the dataset folder. `sha256` is that of its model.json and
   * `files` holds the sha256 of every file of the model folder (model.json and weights).
   */
  generator: z
    .object({
      path: z.string().min(1),
      sha256: z.string().optional(),
      files: z.record(z.string(), z.string()).optional(),
    })
    .nullable(),
  splits: z.record(z.string(), splitSchema),
  provenance: z.record(z.string(), z.unknown()),
  /** Per split: at least meanL1 and meanPsnr of g(w) against x; builders may add more. */
  quality: z
    .record(
      z.string(),
      z.looseObject({ meanL1: z.number().optional(), meanPsnr: z.number().optional() }),
    )
    .optional(),
  /**
   * Budgets suited to this dataset's scale, used as training defaults: imageEps in [0,1]
   * pixel units, latentEta in the generator's latent units (the paper's 4/255 and η = 0.02 are
   * ImageNet and StyleGAN-W+ numbers).
   */
  threatModel: z
    .looseObject({
      imageEps: z.number().positive().optional(),
      latentEta: z.number().positive().optional(),
      reason: z.string().optional(),
    })
    .optional(),
});

export type ArrayRef = z.infer<typeof arrayRefSchema>;
export type SplitManifest = z.infer<typeof splitSchema>;
export type DatasetManifest = z.infer<typeof manifestSchema>;

export async function readManifest(file: string): Promise<DatasetManifest> {
  const read = await readTextCapped(file, FILE_LIMITS.manifestBytes, 'a dataset manifest');
  if (!read.ok) {
    throw new DataError(
      file,
      read.problem === 'file not found'
        ? 'missing: a dataset folder holds a manifest.json'
        : read.problem,
    );
  }
  const json = parseJsonText(read.text);
  if (!json.ok) throw new DataError(file, json.problem);
  const raw = json.value;
  if ((raw as { format?: unknown })?.format !== DATASET_FORMAT) {
    throw new DataError(
      file,
      `not a DMAT dataset manifest (expected "format": "${DATASET_FORMAT}")`,
      'format',
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(file, issue.message, issue.path.join('.') || undefined);
  }
  const m = parsed.data;
  if (m.classNames.length !== m.numClasses) {
    throw new DataError(
      file,
      `has ${m.classNames.length} names for ${m.numClasses} classes`,
      'classNames',
    );
  }
  return m;
}
