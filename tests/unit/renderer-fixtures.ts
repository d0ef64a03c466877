/**
 * Library records and a scripted bridge for renderer tests. The bridge records every call and
 * answers from fixed data; job events are pushed by the test through `emit`.
 */
import type { DatasetInfo, JobEvent, ModelInfo, TrainingConfig } from '../../src/shared/api';
import type { DmatBridge } from '../../src/shared/bridge';

export const omDataset: DatasetInfo = {
  id: 'ds-om',
  name: 'OM-Fashion-MNIST',
  kind: 'on-manifold',
  path: '/res/om-fashion-mnist',
  imageShape: [28, 28, 1],
  latentShape: [16],
  numClasses: 10,
  classNames: [
    'T-shirt',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Boot',
  ],
  splits: [
    { name: 'train', count: 2000, classCounts: [] },
    { name: 'test', count: 500, classCounts: [] },
  ],
  generatorModelId: 'gen-1',
  sha256: 'a'.repeat(64),
  sizeBytes: 1000,
  builtin: true,
  quality: {},
  provenance: {},
  createdAt: '2026-01-01T00:00:00Z',
};

export const naturalDataset: DatasetInfo = {
  ...omDataset,
  id: 'ds-nat',
  name: 'Natural MNIST',
  kind: 'natural',
  latentShape: null,
  generatorModelId: null,
  builtin: false,
};

export const classifier: ModelInfo = {
  id: 'm-1',
  kind: 'classifier',
  name: 'normal',
  path: '/res/models/normal',
  format: 'layers',
  inputShape: [28, 28, 1],
  numClasses: 10,
  classNames: [],
  preprocessing: { inputRange: [0, 1], channelOrder: 'rgb' },
  latentShape: null,
  architecture: 'small-cnn',
  sha256: 'b'.repeat(64),
  sizeBytes: 2000,
  builtin: true,
  sourceRunId: null,
  provenance: {},
  createdAt: '2026-01-01T00:00:00Z',
};

export const colourClassifier: ModelInfo = {
  ...classifier,
  id: 'm-rgb',
  name: 'cifar-net',
  inputShape: [32, 32, 3],
  builtin: false,
};

/** The paper's settings (ALGORITHMS.md §4), as the engine's trainingDefaults returns them. */
export function paperDefaults(
  method: TrainingConfig['method'],
  datasetId = 'ds-om',
): TrainingConfig {
  const image = ['at', 'dmat', 'trades', 'dmat-trades'].includes(method);
  const latent = ['omat', 'dmat', 'dmat-trades'].includes(method);
  return {
    method,
    datasetId,
    architecture: 'small-cnn',
    epochs: 20,
    batchSize: 64,
    lrKnots: [0, 1, 6, 12, 15, 20].map((epoch, i) => ({
      epoch,
      value: [0, 0.4, 0.04, 0.004, 0.0004, 0.0001][i],
    })),
    momentum: 0.9,
    weightDecay: 5e-4,
    ...(image ? { imageAttack: { eps: 4 / 255, stepSize: 1 / 255, steps: 5 } } : {}),
    ...(latent
      ? { latentAttack: { eps: 0.02, stepSize: 0.005, steps: 5, kind: 'om-pgd' as const } }
      : {}),
    ...(method.includes('trades') ? { tradesBeta: 6 } : {}),
    validationSamples: 200,
    seed: 0,
  };
}

export interface FakeBridge extends DmatBridge {
  calls: { name: string; input: unknown }[];
  emit(e: JobEvent): void;
}

export function fakeBridge(overrides: Partial<DmatBridge> = {}): FakeBridge {
  const calls: { name: string; input: unknown }[] = [];
  const listeners = new Set<(e: JobEvent) => void>();
  const models = [classifier, colourClassifier];
  const datasets = [omDataset, naturalDataset];
  const record =
    <T>(name: string, answer: (input: never) => T) =>
    async (input?: unknown) => {
      calls.push({ name, input });
      return answer(input as never);
    };
  const base = {
    mode: 'browser' as const,
    calls,
    emit: (e: JobEvent) => listeners.forEach((l) => l(e)),
    onJobEvent(l: (e: JobEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    listModels: record('listModels', () => models),
    listDatasets: record('listDatasets', () => datasets),
    getDataset: record('getDataset', (i: { id: string }) => datasets.find((d) => d.id === i.id)!),
    importModel: record('importModel', (i: { path: string; name?: string }) => {
      const m = {
        ...classifier,
        id: `m-${models.length + 1}`,
        name: i.name ?? 'imported',
        builtin: false,
      };
      models.push(m);
      return m;
    }),
    trainingDefaults: record(
      'trainingDefaults',
      (i: { method: TrainingConfig['method']; datasetId?: string }) =>
        paperDefaults(i.method, i.datasetId),
    ),
    estimateTraining: record('estimateTraining', () => ({
      secondsPerEpoch: 30,
      totalSeconds: 600,
      basis: 'bench on wasm',
    })),
    listJobs: record('listJobs', () => []),
    getRun: record('getRun', (i: { id: string }) => ({
      id: i.id,
      name: 'run',
      method: 'dmat',
      datasetId: 'ds-om',
      datasetName: 'OM-Fashion-MNIST',
      status: 'running',
      epochsDone: 0,
      epochs: 2,
      modelId: null,
      lastMetrics: {},
      backend: 'wasm',
      createdAt: '',
      updatedAt: '',
      finishedAt: null,
      error: null,
      config: { ...paperDefaults('dmat'), epochs: 2, batchSize: 50, samples: 200 },
      checkpoints: [],
    })),
    getRunMetrics: record('getRunMetrics', () => []),
    listRuns: record('listRuns', () => []),
  };
  return { ...base, ...overrides } as unknown as FakeBridge;
}
