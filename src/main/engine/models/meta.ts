/**
 * The sidecar `dmat-model.json` stored beside a TensorFlow.js model: what the model is, how
 * [0,1] pixels become its input, and checksums of its files.
 */
import { z } from 'zod';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseJsonText, readTextCapped } from '../files/json-text';
import { FILE_LIMITS } from '../files/limits';
import { ModelError } from './errors';
import type { Preprocessing } from './types';

export const META_FILE = 'dmat-model.json';

const preprocessingSchema = z.object({
  inputRange: z.tuple([z.number(), z.number()]),
  mean: z.array(z.number()).optional(),
  std: z.array(z.number().positive()).optional(),
  channelOrder: z.enum(['rgb', 'bgr']),
});

const shape = z.array(z.number().int().positive());

export const modelMetaSchema = z.object({
  format: z.literal('dmat-model'),
  version: z.literal(1),
  kind: z.enum(['classifier', 'generator']),
  name: z.string().min(1),
  /** Which TensorFlow.js format model.json holds. */
  modelFormat: z.enum(['layers-model', 'graph-model']),
  /** Classifier: [H, W, C] of one input image. Generator: [H, W, C] of one output image. */
  inputShape: z
    .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
    .optional(),
  imageShape: z
    .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
    .optional(),
  numClasses: z.number().int().min(2).optional(),
  classNames: z.array(z.string()).optional(),
  preprocessing: preprocessingSchema.optional(),
  /** Generator: shape of one latent code. */
  latentShape: shape.optional(),
  /** Generator: range of the network's raw output, mapped linearly to [0,1] (e.g. [-1,1] for tanh). */
  outputRange: z.tuple([z.number(), z.number()]).optional(),
  /** Name of a built-in architecture, or a free description. */
  architecture: z.string().optional(),
  provenance: z.record(z.string(), z.unknown()).optional(),
  /** sha256 of each model file (model.json, weight files), keyed by file name. */
  files: z.record(z.string(), z.string()).optional(),
  /** sha256 over the sorted per-file checksums: one id for the whole model. */
  sha256: z.string().optional(),
});

export type ModelMeta = z.infer<typeof modelMetaSchema>;

/** What a caller supplies when saving; checksums and format fields are filled in. */
export type ModelMetaInput = Omit<
  ModelMeta,
  'format' | 'version' | 'kind' | 'modelFormat' | 'files' | 'sha256'
> &
  Partial<Pick<ModelMeta, 'modelFormat'>>;

export function preprocessingOf(meta: ModelMeta | undefined): Preprocessing | undefined {
  return meta?.preprocessing as Preprocessing | undefined;
}

/** Read `dmat-model.json` from a model folder; undefined when the folder has none. */
export async function readModelMeta(folder: string): Promise<ModelMeta | undefined> {
  const file = path.join(folder, META_FILE);
  if (!existsSync(file)) return undefined;
  const read = await readTextCapped(file, FILE_LIMITS.modelMetaBytes, 'a dmat-model.json');
  if (!read.ok) throw new ModelError(file, read.problem);
  const json = parseJsonText(read.text);
  if (!json.ok) throw new ModelError(file, json.problem);
  const raw = json.value;
  const parsed = modelMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(file, `field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data;
}
