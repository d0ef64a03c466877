/**
 * Everything an audit needs, loaded from files: the classifier, the dataset split, the
 * dataset's generator when the suite has latent attacks or the split stores no g(w), the
 * resolved suite and the (class-balanced, seeded) sample list.
 */
import type { AuditImages, DatasetSplit, SuiteDefinition } from '../../../shared/api';
import { readDataset } from '../data/dataset';
import { balancedSubset } from '../data/subset';
import { loadClassifier, loadGenerator } from '../models/load';
import type { Generator } from '../models/types';
import { AuditInputError, type AuditModels, type AuditPlan } from './run-audit';
import { resolveSuite } from './suites';

export interface AuditSetup {
  modelPath: string;
  datasetPath: string;
  suite: SuiteDefinition;
  split: DatasetSplit;
  images: AuditImages;
  /** Audit this many samples (class-balanced, chosen by seed); all when omitted. */
  samples?: number;
  seed: number;
  batchSize: number;
  galleryPerAttack: number;
}

export interface PreparedAudit {
  plan: AuditPlan;
  models: AuditModels;
  /** Checksums for the reproducibility appendix. */
  modelSha256: string;
  datasetName: string;
  dispose(): void;
}

/** The sample indices an audit uses: the whole split, or a balanced seeded subset. */
export function auditIndices(labels: ArrayLike<number>, samples: number | undefined, seed: number) {
  if (samples === undefined || samples >= labels.length) {
    return Array.from({ length: labels.length }, (_, i) => i);
  }
  return balancedSubset(labels, samples, seed);
}

export async function prepareAudit(setup: AuditSetup): Promise<PreparedAudit> {
  const dataset = await readDataset(setup.datasetPath, { splits: [setup.split] });
  const split = dataset.splits[setup.split];
  const suite = resolveSuite(setup.suite, dataset.manifest.imageShape);
  const latentAttacks =
    suite.attacks.some((a) => a.attack.space === 'latent') ||
    suite.sweeps.some((s) => s.base.attack.space === 'latent');
  const needGw = setup.images === 'on-manifold' || latentAttacks;
  if (needGw && !split.w) {
    throw new AuditInputError(
      `${setup.datasetPath}: split "${setup.split}" has no latent codes (a natural-only dataset); ` +
        (latentAttacks
          ? 'the suite has latent-space attacks, which need them'
          : 'audit it with --images natural'),
    );
  }
  const { model: classifier, sha256 } = await loadClassifier(setup.modelPath);
  let generator: Generator | undefined;
  try {
    if ((latentAttacks || (needGw && !split.gw)) && dataset.generatorPath) {
      generator = (await loadGenerator(dataset.generatorPath)).model;
    } else if (latentAttacks || (needGw && !split.gw)) {
      throw new AuditInputError(
        `${setup.datasetPath}: the manifest names no generator, which ${latentAttacks ? 'latent-space attacks need' : 'is needed to recompute g(w)'}`,
      );
    }
  } catch (err) {
    classifier.dispose();
    throw err;
  }
  const plan: AuditPlan = {
    dataset,
    split: setup.split,
    images: setup.images,
    indices: auditIndices(split.y.data, setup.samples, setup.seed),
    suite,
    batchSize: setup.batchSize,
    seed: setup.seed,
    galleryPerAttack: setup.galleryPerAttack,
  };
  return {
    plan,
    models: { classifier, generator },
    modelSha256: sha256,
    datasetName: dataset.manifest.name,
    dispose() {
      classifier.dispose();
      generator?.dispose();
    },
  };
}
