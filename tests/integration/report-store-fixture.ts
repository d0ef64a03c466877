/**
 * A store holding finished audits written through the store's own API, the way the audit job
 * writes them: per-sample outcomes first, then accuracies computed from them, gallery PNGs,
 * sanity flags and a sweep. Outcomes come from a seeded generator so every run is the same.
 */
import type { AttackResultInfo } from '../../src/shared/api';
import type { AuditOutcomes } from '../../src/main/engine/audit/outcomes';
import { differencePixels, encodePng } from '../../src/main/engine/report/images';
import type { Store } from '../../src/main/store/index';

const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** mulberry32: a small seeded generator, enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AttackShape {
  key: string;
  preset: string;
  attackId: string;
  family: AttackResultInfo['family'];
  space: AttackResultInfo['space'];
  budget: AttackResultInfo['budget'];
  /** Probability that a clean-correct sample survives. */
  survive: number;
}

const ATTACKS: AttackShape[] = [
  {
    key: 'FGSM',
    preset: 'fgsm',
    attackId: 'fgsm',
    family: 'seen',
    space: 'image',
    budget: { eps: 4 / 255, stepSize: 5 / 255, steps: 1, unit: 'pixel [0,1]', norm: 'linf' },
    survive: 0.7,
  },
  {
    key: 'PGD-50',
    preset: 'pgd-50',
    attackId: 'pgd-linf',
    family: 'seen',
    space: 'image',
    budget: { eps: 4 / 255, stepSize: 1 / 255, steps: 50, unit: 'pixel [0,1]', norm: 'linf' },
    survive: 0.55,
  },
  {
    key: 'MIA-50',
    preset: 'mia-50',
    attackId: 'mia',
    family: 'seen',
    space: 'image',
    budget: { eps: 4 / 255, stepSize: 1 / 255, steps: 50, unit: 'pixel [0,1]', norm: 'linf' },
    survive: 0.57,
  },
  {
    key: 'OM-PGD-50',
    preset: 'om-pgd-50',
    attackId: 'om-pgd',
    family: 'seen',
    space: 'latent',
    budget: { eps: 0.02, stepSize: 0.005, steps: 50, unit: 'latent', norm: 'linf' },
    survive: 0.5,
  },
  {
    key: 'Fog',
    preset: 'fog',
    attackId: 'fog',
    family: 'unseen',
    space: 'image',
    budget: { eps: 128 / 255, stepSize: 0.002236, steps: 200, unit: 'pixel [0,1]', norm: 'fog' },
    survive: 0.8,
  },
];

export interface SeededAudit {
  auditId: string;
  modelName: string;
}

/** Writes the models, the dataset and one finished audit of `modelName`. */
export function seedAudit(
  store: Store,
  modelName: string,
  seed: number,
  samples = 240,
  /** Stores a worst case that disagrees with the outcomes, to test that reports refuse it. */
  corruptWorstCase = false,
): SeededAudit {
  const random = rng(seed);
  const classifier = store.models.insert({
    kind: 'classifier',
    name: modelName,
    path: `/models/${modelName}-${seed}`,
    format: 'layers',
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: CLASSES,
    preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
    latentShape: null,
    architecture: 'small-cnn',
    sha256: `${seed.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    sizeBytes: 123_456,
    builtin: true,
    sourceRunId: null,
    provenance: { method: `${modelName.toUpperCase()} training` },
  });
  const generator =
    store.models.list('generator')[0] ??
    store.models.insert({
      kind: 'generator',
      name: 'om-fashion-mnist generator',
      path: '/models/generator',
      format: 'layers',
      inputShape: [28, 28, 1],
      numClasses: null,
      classNames: [],
      preprocessing: null,
      latentShape: [8],
      architecture: 'dcgan-small',
      sha256: 'cd'.repeat(32),
      sizeBytes: 45_678,
      builtin: true,
      sourceRunId: null,
      provenance: {},
    });
  const dataset =
    store.datasets.list()[0] ??
    store.datasets.insert({
      name: 'om-fashion-mnist',
      kind: 'on-manifold',
      path: '/datasets/om-fashion-mnist',
      imageShape: [28, 28, 1],
      latentShape: [8],
      numClasses: 10,
      classNames: CLASSES,
      splits: [{ name: 'test', count: 1000, classCounts: new Array(10).fill(100) }],
      generatorModelId: generator.id,
      sha256: 'ef'.repeat(32),
      sizeBytes: 9_999_999,
      builtin: true,
      quality: { test: { meanL1: 0.0312, meanPsnr: 27.43 } },
      provenance: {},
    });
  const audit = store.audits.insert({
    modelId: classifier.id,
    modelName,
    datasetId: dataset.id,
    datasetName: dataset.name,
    suite: { name: 'paper', attacks: ATTACKS.map((a) => ({ preset: a.preset, label: a.key })) },
    split: 'test',
    images: 'on-manifold',
    samples,
    seed,
    batchSize: 60,
    workers: 1,
  });
  store.audits.markRunning(audit.id, 'wasm');

  const sampleIndices = Array.from({ length: samples }, (_, i) => i * 3);
  const labels = sampleIndices.map(() => Math.floor(random() * 10));
  const cleanCorrect = labels.map(() => random() < 0.87);
  const cleanPredicted = labels.map((y, i) => (cleanCorrect[i] ? y : (y + 1) % 10));
  const outcomes: AuditOutcomes = {
    sampleIndices,
    labels,
    cleanPredicted,
    cleanCorrect,
    attacks: ATTACKS.map((a) => {
      const correct = cleanCorrect.map((c) => c && random() < a.survive);
      return {
        key: a.key,
        correct,
        predicted: labels.map((y, i) => (correct[i] ? y : (y + 3) % 10)),
        perturbationNorm: correct.map(() => a.budget.eps * (0.5 + random() / 2)),
      };
    }),
  };
  const attacks: AttackResultInfo[] = ATTACKS.map((a, j) => {
    const correct = outcomes.attacks[j].correct.filter(Boolean).length;
    return {
      key: a.key,
      preset: a.preset,
      attackId: a.attackId,
      name: a.key,
      family: a.family,
      space: a.space,
      budget: a.budget,
      accuracy: correct / samples,
      correct,
      total: samples,
      timeMs: 1000 + j * 4321.5,
      imagesPerSecond: samples / (1 + j * 4.3215),
      meanPerturbationNorm: a.budget.eps * 0.75,
      maxPerturbationNorm: a.budget.eps,
    };
  });
  let robust = 0;
  for (let i = 0; i < samples; i++) {
    if (cleanCorrect[i] && outcomes.attacks.every((a) => a.correct[i])) robust++;
  }
  const gallery = ATTACKS.flatMap((a, j) =>
    [0, 1].map((s) => {
      const clean = Float32Array.from(
        { length: 28 * 28 },
        (_, p) => ((p % 28) + Math.floor(p / 28)) / 54,
      );
      const adv = clean.map((v, p) =>
        Math.min(1, Math.max(0, v + ((p + s) % 2 ? 1 : -1) * 0.03 * (j + 1))),
      );
      const diff = differencePixels(clean, adv, 1);
      const i = s * 7 + j;
      return {
        attackKey: a.key,
        sampleIndex: sampleIndices[i],
        label: labels[i],
        cleanPredicted: cleanPredicted[i],
        adversarialPredicted: outcomes.attacks[j].predicted[i],
        perturbationNorm: outcomes.attacks[j].perturbationNorm[i],
        differenceScale: diff.gain,
        cleanPng: encodePng(clean, 28, 28, 1).png,
        adversarialPng: encodePng(adv, 28, 28, 1).png,
        differencePng: encodePng(diff.pixels, 28, 28, 1).png,
      };
    }),
  );
  store.saveAuditResults(audit.id, {
    standardAccuracy: cleanCorrect.filter(Boolean).length / samples,
    worstCaseAccuracy: (robust + (corruptWorstCase ? 5 : 0)) / samples,
    durationMs: 12_345,
    attacks,
    outcomes,
    gallery,
    sanityFlags: [
      {
        check: 'zero-gradients',
        severity: 'info',
        message: 'No input gradient was zero or non-finite on the sampled batch.',
        attackKey: null,
        details: {},
      },
      {
        check: 'noise-beats-gradient-attack',
        severity: 'warning',
        message:
          'Random noise at the same budget fooled 2 samples PGD-50 missed; check for gradient masking.',
        attackKey: 'PGD-50',
        details: { samples: 2 },
      },
    ],
    curves: [
      {
        preset: 'pgd-50',
        name: 'PGD-50',
        unit: 'pixel [0,1]',
        norm: 'linf',
        points: [0, 2, 4, 8].map((k, i) => ({
          eps: k / 255,
          accuracy: [0.87, 0.71, 0.48, 0.12][i],
        })),
      },
    ],
    // The keys the audit job records.
    reproducibility: {
      appVersion: '0.1.0',
      backend: 'wasm (@tensorflow/tfjs-backend-wasm)',
      seed,
      configHash: `sha256:${'12'.repeat(32)}`,
      modelSha256: classifier.sha256,
      datasetSha256: 'ef'.repeat(32),
      batchSize: 60,
      workers: 1,
      samples,
    },
  });
  return { auditId: audit.id, modelName };
}
