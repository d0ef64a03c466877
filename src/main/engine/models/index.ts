/** Models: load, save and validate classifiers and generators in the TensorFlow.js formats. */
export type { Classifier, Generator, Preprocessing } from './types';
export { IDENTITY_PREPROCESSING } from './types';
export { ModelError } from './errors';
export { LayersClassifier, GraphClassifier, type ClassifierInfo } from './classifier';
export { LayersGenerator, GraphGenerator, type GeneratorInfo } from './generator';
export { applyPreprocessing, preprocessingProblem } from './preprocessing';
export { fileSystemHandler, resolveModelJson, MODEL_JSON, WEIGHTS_BIN } from './fs-handler';
export {
  META_FILE,
  modelMetaSchema,
  readModelMeta,
  type ModelMeta,
  type ModelMetaInput,
} from './meta';
export { combinedChecksum, hashModelFiles } from './checksums';
export {
  loadClassifier,
  loadGenerator,
  type AnyClassifier,
  type AnyGenerator,
  type LoadClassifierOptions,
  type LoadGeneratorOptions,
  type LoadedModel,
} from './load';
export { saveClassifier, saveGenerator, type SavedModel } from './save';
export { endsInSoftmax, stripTrailingSoftmax } from './softmax';
export {
  checkCompatible,
  checkFiniteWeights,
  probeOutputs,
  type DatasetShape,
  type ProbeResult,
} from './validate';
