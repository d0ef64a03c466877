/**
 * Loading what a dataset build needs from folders: the generator (models layer), its VAE encoder
 * and its feature network when they were saved beside it, or a feature network the user names.
 */
import path from 'node:path';
import { exists } from '../data/atomic';
import { LayersClassifier } from '../models/classifier';
import { loadClassifier, loadGenerator } from '../models/load';
import { applyPreprocessing } from '../models/preprocessing';
import type { BuildTools } from './datasetBuild';
import { BUILTIN_FEATURE_LAYERS, featureDistance } from './featureNetwork';
import { ManifoldError } from './errors';
import { ENCODER_DIR, FEATURES_DIR, loadLayersModelFolder } from './modelFolder';

export interface LoadedBuildTools extends BuildTools {
  /** Class names recorded with the feature network, when it has them. */
  classNames?: string[];
  dispose(): void;
}

export interface BuildToolOptions {
  /** A classifier folder for the perceptual term; default `<generator>/features` when present. */
  featuresDir?: string;
  /** Layers of that classifier whose activations are compared; default the built-in names. */
  featureLayers?: string[];
  /** 'none' turns the perceptual term off (L1 only). */
  perceptual?: 'auto' | 'none';
}

export async function loadBuildTools(
  generatorDir: string,
  opts: BuildToolOptions = {},
): Promise<LoadedBuildTools> {
  const { model: generator } = await loadGenerator(generatorDir);
  const owned: { dispose(): void }[] = [generator];
  try {
    const encDir = path.join(generatorDir, ENCODER_DIR);
    const encoder = (await exists(path.join(encDir, 'model.json')))
      ? await loadLayersModelFolder(encDir)
      : undefined;
    if (encoder) owned.push(encoder);
    let perceptual: BuildTools['perceptual'];
    let classNames: string[] | undefined;
    if (opts.perceptual !== 'none') {
      const featDir = opts.featuresDir ?? path.join(generatorDir, FEATURES_DIR);
      if (opts.featuresDir || (await exists(path.join(featDir, 'model.json')))) {
        const { model: classifier } = await loadClassifier(featDir);
        owned.push(classifier);
        const layers = opts.featureLayers ?? BUILTIN_FEATURE_LAYERS;
        if (!(classifier instanceof LayersClassifier)) {
          throw new ManifoldError(
            `${featDir}: the feature network must be a layers model (its intermediate layers are read)`,
          );
        }
        classNames = classifier.classNames;
        perceptual = featureDistance(
          classifier.model,
          layers,
          // Named relative to the generator when it is the one saved beside it, so a manifest
          // never records a path of the machine that built it.
          `LPIPS-like: unit-normalised activations of ${layers.join(', ')} of ${
            opts.featuresDir
              ? `the classifier ${opts.featuresDir}`
              : `the generator's feature network (${FEATURES_DIR}/)`
          }, equal weights`,
          (x) => applyPreprocessing(x, classifier.preprocessing),
        );
      }
    }
    return {
      generator,
      encoder,
      perceptual,
      classNames,
      dispose: () => owned.forEach((o) => o.dispose()),
    };
  } catch (err) {
    owned.forEach((o) => o.dispose());
    throw err;
  }
}
