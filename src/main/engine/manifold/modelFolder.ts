/**
 * The folder of the VAE encoder kept beside a built-in generator (`<generator>/encoder/`):
 * tfjs `model.json` + `weights.bin` + a small `dmat-encoder.json`, each written atomically.
 * Generators and classifiers use the models layer's own folders; the encoder has two outputs
 * (mean, log-variance) and is neither, so it gets this minimal format of its own.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { sha256Bytes } from '../data/checksum';
import { ModelError } from '../models/errors';
import { fileSystemHandler } from '../models/fs-handler';
import { ManifoldError } from './errors';

export const SIDECAR = 'dmat-encoder.json';
export const ENCODER_DIR = 'encoder';
export const FEATURES_DIR = 'features';

/** The sidecar describing the encoder folder. */
export interface ModelSidecar {
  kind: 'encoder';
  name: string;
  /** [H, W, C] of one input image ([0,1] pixels). */
  inputShape: number[];
  /** Shape of the latent code its mean output is reshaped to. */
  latentShape: number[];
  architecture: Record<string, unknown>;
  provenance: Record<string, unknown>;
  /** SHA-256 of model.json and weights.bin as written. */
  sha256?: { model: string; weights: string };
}

/** Save a LayersModel as model.json + weights.bin + sidecar in `dir` (created if missing). */
export async function saveModelFolder(
  model: tf.LayersModel,
  dir: string,
  sidecar: ModelSidecar,
): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs)
    throw new Error('model has no weights to save');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  });
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'weights.bin'), weights);
  await writeFileAtomic(path.join(dir, 'model.json'), modelJson);
  const full = {
    ...sidecar,
    sha256: { model: sha256Bytes(modelJson), weights: sha256Bytes(weights) },
  };
  await writeFileAtomic(path.join(dir, SIDECAR), `${JSON.stringify(full, null, 2)}\n`);
}

/** Load a LayersModel from a tfjs folder (model.json + its weight files, confined to it). */
export async function loadLayersModelFolder(dir: string): Promise<tf.LayersModel> {
  const modelFile = dir.endsWith('.json') ? dir : path.join(dir, 'model.json');
  try {
    return await tf.loadLayersModel(fileSystemHandler(modelFile));
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ManifoldError(`${modelFile}: cannot build the model (${(err as Error).message})`);
  }
}

export async function readSidecar(dir: string): Promise<ModelSidecar | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, SIDECAR), 'utf8')) as ModelSidecar;
  } catch {
    return undefined;
  }
}
