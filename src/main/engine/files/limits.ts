/**
 * Caps on what one input may ask for, each with its reason. A request over a cap is refused with
 * the cap named, before anything is read in full or started.
 */
export const FILE_LIMITS = {
  /** Suites are a few hundred bytes to a few KB; 1 MB leaves room for long sweeps. */
  suiteBytes: 1024 ** 2,
  /** The topology and weights manifest of model.json (not the weights): ResNet-152 is ~1 MB. */
  modelJsonBytes: 64 * 1024 ** 2,
  /** dmat-model.json sidecars hold shapes, class names and checksums. */
  modelMetaBytes: 4 * 1024 ** 2,
  /** Dataset manifests: shapes, checksums, provenance. */
  manifestBytes: 16 * 1024 ** 2,
} as const;
