/** Data: the on-manifold dataset format, file readers (NPY, IDX, image folders), batching. */
export { DataError } from './errors';
export {
  sizeOf,
  sliceRows,
  takeRows,
  ndarray,
  type DType,
  type NdArray,
  type TypedArrayOf,
} from './ndarray';
export { readNpy, writeNpy, decodeNpy, encodeNpy } from './npy';
export { readIdx, decodeIdx, readIdxPair, type IdxReadOptions, type LabelledImages } from './idx';
export { readImageFolder, type ImageFolderData, type ImageFolderOptions } from './images';
export {
  MANIFEST_FILE,
  DATASET_FORMAT,
  DATASET_VERSION,
  manifestSchema,
  readManifest,
  type ArrayRef,
  type DatasetManifest,
  type SplitManifest,
} from './manifest';
export {
  readDataset,
  writeDataset,
  datasetFromArrays,
  verifyDataset,
  type Dataset,
  type DatasetSplit,
  type ManifestInput,
  type ReadDatasetOptions,
  type SplitArrays,
  type VerifyProblem,
  type WriteDatasetOptions,
} from './dataset';
export {
  batches,
  batchOrder,
  checkGeneratorFits,
  computeOnManifold,
  disposeBatch,
  type Batch,
  type BatchOptions,
} from './batching';
export { balancedSubset } from './subset';
export { seededRandom, shuffled } from './rng';
export { sha256File, sha256Bytes } from './checksum';
export { writeFileAtomic, replaceFolderAtomic } from './atomic';
