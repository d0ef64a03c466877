/**
 * Saving classifiers and generators as a TensorFlow.js model folder plus the sidecar
 * dmat-model.json. Each file is written atomically (weights, then model.json, then the sidecar
 * with the checksums of the other two), so a crash never leaves a folder that loads wrongly
 * without the checksum check noticing.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { GraphClassifier, LayersClassifier } from './classifier';
import { combinedChecksum, hashModelFiles } from './checksums';
import { fileSystemHandler, MODEL_JSON } from './fs-handler';
import { GraphGenerator, LayersGenerator } from './generator';
import { META_FILE, modelMetaSchema, type ModelMeta, type ModelMetaInput } from './meta';

type Savable = tf.LayersModel | tf.GraphModel;

export interface SavedModel {
  folder: string;
  meta: ModelMeta;
}

async function saveModel(
  folder: string,
  model: Savable,
  kind: ModelMeta['kind'],
  input: ModelMetaInput,
): Promise<SavedModel> {
  const dir = path.resolve(folder);
  await model.save(fileSystemHandler(dir));
  const files = await hashModelFiles(path.join(dir, MODEL_JSON));
  const meta = modelMetaSchema.parse({
    ...input,
    format: 'dmat-model',
    version: 1,
    kind,
    modelFormat: model instanceof tf.GraphModel ? 'graph-model' : 'layers-model',
    files,
    sha256: combinedChecksum(files),
  });
  await writeFileAtomic(path.join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  return { folder: dir, meta };
}

/**
 * Save a classifier (a wrapper, or a bare tfjs model plus its description). Fields of a wrapper
 * (name, shapes, preprocessing, class names) fill in what `meta` leaves out.
 */
export async function saveClassifier(
  folder: string,
  model: LayersClassifier | GraphClassifier | Savable,
  meta: Partial<ModelMetaInput> = {},
): Promise<SavedModel> {
  if (model instanceof LayersClassifier || model instanceof GraphClassifier) {
    return saveModel(folder, model.model, 'classifier', {
      name: model.name,
      inputShape: model.inputShape,
      numClasses: model.numClasses,
      preprocessing: model.preprocessing,
      classNames: model.classNames,
      ...meta,
    });
  }
  return saveModel(folder, model, 'classifier', { name: path.basename(folder), ...meta });
}

export async function saveGenerator(
  folder: string,
  model: LayersGenerator | GraphGenerator | Savable,
  meta: Partial<ModelMetaInput> = {},
): Promise<SavedModel> {
  if (model instanceof LayersGenerator || model instanceof GraphGenerator) {
    return saveModel(folder, model.model, 'generator', {
      name: model.name,
      latentShape: model.latentShape,
      imageShape: model.imageShape,
      outputRange: model.outputRange,
      ...meta,
    });
  }
  return saveModel(folder, model, 'generator', { name: path.basename(folder), ...meta });
}
