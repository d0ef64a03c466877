/**
 * Loading classifiers and generators from a TensorFlow.js model folder (or its model.json):
 * LayersModel or GraphModel, with the sidecar dmat-model.json when there is one. Every load is
 * validated — weights present and finite, checksums as recorded, shapes and class count as the
 * sidecar says, outputs are logits — and a failure names the file.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { GraphClassifier, LayersClassifier, type ClassifierInfo } from './classifier';
import { combinedChecksum, hashModelFiles, verifyModelFiles } from './checksums';
import { ModelError } from './errors';
import { fileSystemHandler, readModelJson, resolveModelJson } from './fs-handler';
import { GraphGenerator, LayersGenerator, type GeneratorInfo } from './generator';
import { META_FILE, readModelMeta, type ModelMeta } from './meta';
import { preprocessingProblem } from './preprocessing';
import { stripTrailingSoftmax } from './softmax';
import type { Preprocessing } from './types';
import { checkFiniteWeights, probeOutputs } from './validate';

export type AnyClassifier = LayersClassifier | GraphClassifier;
export type AnyGenerator = LayersGenerator | GraphGenerator;

export interface LoadClassifierOptions {
  /** Remove a trailing softmax (LayersModel only) instead of refusing a probability model. */
  stripSoftmax?: boolean;
  /** Overrides the sidecar's preprocessing. */
  preprocessing?: Preprocessing;
  /** Check files against the sidecar's checksums (default true). */
  verifyChecksums?: boolean;
}

export interface LoadedModel<M> {
  model: M;
  /** The sidecar, when the folder has one. */
  meta?: ModelMeta;
  /** Absolute path of model.json. */
  file: string;
  /** sha256 of each model file, and one over all of them. */
  files: Record<string, string>;
  sha256: string;
  /** Set when a trailing softmax was removed on load. */
  strippedSoftmax?: boolean;
}

type TfModel = tf.LayersModel | tf.GraphModel;

async function loadTfModel(file: string): Promise<TfModel> {
  const json = await readModelJson(file);
  const topology = json.modelTopology as Record<string, unknown>;
  const isGraph = json.format === 'graph-model' || Array.isArray(topology.node);
  try {
    return isGraph
      ? await tf.loadGraphModel(fileSystemHandler(file))
      : await tf.loadLayersModel(fileSystemHandler(file));
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(
      file,
      `TensorFlow.js could not build the ${isGraph ? 'graph' : 'layers'} model: ${tfjsProblem((err as Error).message)}`,
    );
  }
}

/** A tfjs loading error in one line, in the product's words. */
function tfjsProblem(message: string): string {
  const unknown = /Unknown layer: (\S+?)\./.exec(message);
  if (unknown)
    return `unknown layer class "${unknown[1]}" (only TensorFlow.js's built-in layers load; a custom layer must be replaced before export)`;
  return message.split('\n')[0];
}

async function openModel(pathOrFolder: string, verify: boolean) {
  const file = await resolveModelJson(pathOrFolder);
  const folder = path.dirname(file);
  const meta = await readModelMeta(folder);
  const model = await loadTfModel(file);
  try {
    const files = await hashModelFiles(file);
    if (verify && meta?.files) verifyModelFiles(folder, meta.files, files);
    checkFiniteWeights(model, file);
    return { file, folder, meta, model, files, sha256: combinedChecksum(files) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Shape of the model's first input or output without the batch axis; undefined if unknown. */
function knownShape(shape: readonly (number | null)[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const rest = shape.slice(1);
  return rest.every((d) => d !== null && d > 0) ? (rest as number[]) : undefined;
}

function ioShape(model: TfModel, which: 'inputs' | 'outputs'): number[] | undefined {
  const io = model[which] as { shape?: (number | null)[] }[];
  return knownShape(io[0]?.shape?.map((d) => (d === -1 ? null : d)));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function classifierInputShape(model: TfModel, meta: ModelMeta | undefined, file: string) {
  const fromModel = ioShape(model, 'inputs');
  const metaFile = path.join(path.dirname(file), META_FILE);
  if (fromModel && fromModel.length !== 3) {
    throw new ModelError(
      file,
      `input shape [${fromModel.join(', ')}] is not an image (expected [H, W, C])`,
    );
  }
  if (fromModel && meta?.inputShape && !sameShape(fromModel, meta.inputShape)) {
    throw new ModelError(
      metaFile,
      `inputShape [${meta.inputShape.join(', ')}] does not match the model's input [${fromModel.join(', ')}] in ${file}`,
    );
  }
  const shape = (meta?.inputShape ?? fromModel) as [number, number, number] | undefined;
  if (!shape) {
    throw new ModelError(
      file,
      `input shape is not fixed in the model; give inputShape in ${META_FILE}`,
    );
  }
  return shape;
}

export async function loadClassifier(
  pathOrFolder: string,
  opts: LoadClassifierOptions = {},
): Promise<LoadedModel<AnyClassifier>> {
  const { file, folder, meta, model, files, sha256 } = await openModel(
    pathOrFolder,
    opts.verifyChecksums ?? true,
  );
  let classifier: AnyClassifier | undefined;
  try {
    const metaFile = path.join(folder, META_FILE);
    if (meta && meta.kind !== 'classifier') {
      throw new ModelError(metaFile, `kind is "${meta.kind}", expected "classifier"`);
    }
    const inputShape = classifierInputShape(model, meta, file);
    const preprocessing = opts.preprocessing ?? (meta?.preprocessing as Preprocessing | undefined);
    const problem = preprocessing && preprocessingProblem(preprocessing, inputShape[2]);
    if (problem) throw new ModelError(metaFile, problem);
    const info: ClassifierInfo = {
      name: meta?.name ?? path.basename(folder),
      inputShape,
      numClasses: meta?.numClasses ?? 0,
      preprocessing,
      classNames: meta?.classNames,
      source: file,
    };
    classifier = wrapClassifier(model, info);
    const probe = probeOutputs(classifier);
    const numClasses = probe.outputShape[1];
    if (probe.outputShape.length !== 2 || numClasses < 2) {
      throw new ModelError(
        file,
        `output shape [${probe.outputShape.join(', ')}] is not a batch of class scores`,
      );
    }
    if (meta?.numClasses !== undefined && meta.numClasses !== numClasses) {
      throw new ModelError(
        file,
        `wrong number of classes: the model outputs ${numClasses} scores but ${metaFile} says numClasses ${meta.numClasses}`,
      );
    }
    if (meta?.classNames && meta.classNames.length !== numClasses) {
      throw new ModelError(
        metaFile,
        `classNames has ${meta.classNames.length} names but the model outputs ${numClasses} classes`,
      );
    }
    if (!probe.finite)
      throw new ModelError(file, 'the model outputs NaN or Infinity on ordinary [0,1] images');
    let strippedSoftmax: boolean | undefined;
    if (probe.looksLikeProbabilities) {
      const stripped =
        opts.stripSoftmax && model instanceof tf.LayersModel
          ? await stripTrailingSoftmax(model)
          : undefined;
      if (!stripped) throw new ModelError(file, probabilityAdvice(model, opts.stripSoftmax));
      classifier.dispose();
      classifier = new LayersClassifier(stripped, { ...info, numClasses });
      strippedSoftmax = true;
    }
    classifier = wrapClassifier(classifier.model, { ...info, numClasses });
    return { model: classifier, meta, file, files, sha256, strippedSoftmax };
  } catch (err) {
    if (classifier) classifier.dispose();
    else model.dispose();
    throw err;
  }
}

function probabilityAdvice(model: TfModel, triedStrip: boolean | undefined): string {
  const what =
    'the model outputs probabilities (every row is non-negative and sums to 1), not logits';
  const why =
    'attacks need logits: through a softmax their gradients vanish and robustness is overstated';
  if (model instanceof tf.GraphModel)
    return `${what}; ${why}. Export the graph without its final Softmax op.`;
  if (triedStrip)
    return `${what}; ${why}. Its last layer is not a softmax that can be removed; remove it before export.`;
  return `${what}; ${why}. Load it with the option to strip the trailing softmax, or remove it before export.`;
}

function wrapClassifier(model: TfModel, info: ClassifierInfo): AnyClassifier {
  return model instanceof tf.GraphModel
    ? new GraphClassifier(model, info)
    : new LayersClassifier(model, info);
}

export interface LoadGeneratorOptions {
  verifyChecksums?: boolean;
}

export async function loadGenerator(
  pathOrFolder: string,
  opts: LoadGeneratorOptions = {},
): Promise<LoadedModel<AnyGenerator>> {
  const { file, folder, meta, model, files, sha256 } = await openModel(
    pathOrFolder,
    opts.verifyChecksums ?? true,
  );
  let generator: AnyGenerator | undefined;
  try {
    const metaFile = path.join(folder, META_FILE);
    if (meta && meta.kind !== 'generator') {
      throw new ModelError(metaFile, `kind is "${meta.kind}", expected "generator"`);
    }
    const fromModel = ioShape(model, 'inputs');
    if (fromModel && meta?.latentShape && !sameShape(fromModel, meta.latentShape)) {
      throw new ModelError(
        metaFile,
        `latentShape [${meta.latentShape.join(', ')}] does not match the model's input [${fromModel.join(', ')}] in ${file}`,
      );
    }
    const latentShape = fromModel ?? meta?.latentShape;
    if (!latentShape)
      throw new ModelError(
        file,
        `latent shape is not fixed in the model; give latentShape in ${META_FILE}`,
      );
    const probe = tf.tidy(() => {
      const out = model.predict(tf.zeros([1, ...latentShape])) as tf.Tensor | tf.Tensor[];
      const t = Array.isArray(out) ? out[0] : out;
      return { shape: t.shape.slice(1), finite: t.isFinite().all().dataSync()[0] === 1 };
    });
    const imageShape = (meta?.imageShape ??
      (probe.shape.length === 3 ? probe.shape : undefined)) as [number, number, number] | undefined;
    if (!imageShape) {
      throw new ModelError(
        file,
        `output shape [${probe.shape.join(', ')}] is not an image; give imageShape in ${META_FILE}`,
      );
    }
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (size(probe.shape) !== size(imageShape)) {
      throw new ModelError(
        metaFile,
        `imageShape [${imageShape.join(', ')}] does not match the model's output [${probe.shape.join(', ')}] in ${file}`,
      );
    }
    if (!probe.finite)
      throw new ModelError(file, 'the generator outputs NaN or Infinity for w = 0');
    const info: GeneratorInfo = {
      name: meta?.name ?? path.basename(folder),
      latentShape,
      imageShape,
      outputRange: meta?.outputRange,
      source: file,
    };
    generator =
      model instanceof tf.GraphModel
        ? new GraphGenerator(model, info)
        : new LayersGenerator(model, info);
    return { model: generator, meta, file, files, sha256 };
  } catch (err) {
    if (generator) generator.dispose();
    else model.dispose();
    throw err;
  }
}
