/**
 * The one contract between the engine and its faces (Electron IPC, the CLI, `dmat serve`).
 *
 * Every call takes one plain input object (validated in main by the zod schemas of
 * `api-schemas.ts`) and resolves to plain serialisable data: no tensors, no class instances,
 * no Node types, so the same object travels over IPC, HTTP and WebSocket. Binary payloads
 * (PNG images, report files) travel as base64 strings. Long work (audits, training, dataset
 * builds, reports) runs in job processes: a start call returns a `JobRef` at once and the
 * job reports through `JobEvent`s.
 *
 * Units: image-space budgets are in [0,1] pixel units, latent budgets in latent units; every
 * budget carries its unit.
 */

import type { AccuracyInterval } from './interval';

export type { AccuracyInterval } from './interval';

// ───────────────────────────── shared vocabulary ─────────────────────────────

export type Id = string;
/** ISO-8601 UTC timestamp. */
export type Timestamp = string;

export type BudgetUnit = 'pixel [0,1]' | 'latent' | 'attack-specific';
export type AttackSpace = 'image' | 'latent';
export type DatasetSplit = 'train' | 'test';
/** Which images an audit feeds the classifier: g(w) (on-manifold) or the natural x. */
export type AuditImages = 'on-manifold' | 'natural';

export interface BudgetInfo {
  /** Radius of the threat model (ε in image space, η in latent space). */
  eps: number;
  stepSize?: number;
  steps?: number;
  unit: BudgetUnit;
  /** "linf", "l2", "l1" or an attack-specific name ("fog", "jpeg-l1", …). */
  norm: string;
  /** Set when the preset budget was scaled for the image size (total budgets: L1, L2, JPEG-L1). */
  scaling?: string;
}

// ───────────────────────────── app and backend ─────────────────────────────

export interface BackendInfo {
  /** tfjs backend in use ("wasm", "tensorflow", "cpu"). */
  backend: string;
  /** Package that provides it. */
  provider: string;
  /** Better candidates that were passed over, and why. */
  skipped: { provider: string; reason: string }[];
  forced?: string;
  details: Record<string, string | number | boolean>;
}

export interface AppInfo {
  version: string;
  /** The app data folder ($DMAT_HOME). */
  dataHome: string;
  databasePath: string;
  /** Schema version of the SQLite database. */
  schemaVersion: number;
  backend: BackendInfo;
  /** Built-in classifier architectures a run can start from (the wizard's choices). */
  architectures?: ArchitectureInfo[];
}

export interface ArchitectureInfo {
  /** Id used in TrainingConfig.architecture, e.g. "small-cnn". */
  id: string;
  name: string;
  description: string;
  suggestedInputShape: number[];
}

// ───────────────────────────── library: models and datasets ─────────────────────────────

export type ModelKind = 'classifier' | 'generator';
export type ModelFormat = 'layers' | 'graph';

export interface PreprocessingInfo {
  inputRange: [number, number];
  mean?: number[];
  std?: number[];
  channelOrder: 'rgb' | 'bgr';
}

export interface ModelInfo {
  id: Id;
  kind: ModelKind;
  name: string;
  /** Folder holding model.json, the weight files and dmat-model.json. */
  path: string;
  format: ModelFormat;
  /** [H, W, C] of one input image (classifiers) or one output image (generators). */
  inputShape: number[];
  numClasses: number | null;
  classNames: string[];
  preprocessing: PreprocessingInfo | null;
  /** Generators: shape of one latent code. */
  latentShape: number[] | null;
  architecture: string | null;
  /** sha256 over model.json and its weight files. */
  sha256: string;
  sizeBytes: number;
  /** Shipped in resources/ (cannot be removed, only hidden). */
  builtin: boolean;
  /** Training run that produced it, when it came from a run. */
  sourceRunId: Id | null;
  provenance: Record<string, unknown>;
  createdAt: Timestamp;
}

export type DatasetKind = 'on-manifold' | 'natural';

export interface DatasetSplitInfo {
  name: string;
  count: number;
  /** Records per class, index = class. */
  classCounts: number[];
}

export interface DatasetInfo {
  id: Id;
  name: string;
  kind: DatasetKind;
  path: string;
  imageShape: number[];
  latentShape: number[] | null;
  numClasses: number;
  classNames: string[];
  splits: DatasetSplitInfo[];
  /** Library id of the dataset's generator, once imported. */
  generatorModelId: Id | null;
  /** sha256 of manifest.json (which itself holds the array checksums). */
  sha256: string;
  sizeBytes: number;
  builtin: boolean;
  /** Projection quality per split: mean L1 and PSNR of g(w) against x. */
  quality: Record<string, { meanL1: number; meanPsnr: number }>;
  provenance: Record<string, unknown>;
  /**
   * Budgets the dataset's manifest recommends for its scale (`threatModel`): ε in [0,1] px for
   * L∞ image attacks, η in latent units; built-in suites run at them by default.
   */
  threatModel?: { imageEps?: number; latentEta?: number; reason?: string };
  createdAt: Timestamp;
}

export interface ImportModelInput {
  /** A model folder or a model.json path. */
  path: string;
  name?: string;
  /** Copy the files into $DMAT_HOME/models (default) or reference them where they are. */
  copy?: boolean;
  /**
   * ONNX files only: how [0,1] pixels become the graph's input, when the graph does not
   * normalise them itself (mean and std in the network's input range, per channel).
   */
  preprocessing?: {
    inputRange?: [number, number];
    mean?: number[];
    std?: number[];
    channelOrder?: 'rgb' | 'bgr';
  };
}

export interface ExportModelInput {
  id: string;
  /** Where to write the .onnx file (its folder must exist; an existing file needs overwrite). */
  onnxPath: string;
  opset?: number;
  overwrite?: boolean;
}

export interface ExportedModel {
  path: string;
  sizeBytes: number;
  opset: number;
  /** Largest |logit difference| between the model and the written file, re-imported, on a probe batch. */
  maxLogitDifference: number;
}

export interface ImportDatasetInput {
  /** A dataset folder (manifest.json + arrays). */
  path: string;
  name?: string;
  copy?: boolean;
}

export interface RemoveInput {
  id: Id;
  /** Also delete the files under $DMAT_HOME (never files outside it). */
  deleteFiles?: boolean;
}

export interface DatasetPreviewInput {
  datasetId: Id;
  split: DatasetSplit;
  offset?: number;
  limit?: number;
}

export interface DatasetPreviewItem {
  index: number;
  label: number;
  /** PNG of the natural image x, base64. */
  natural: string;
  /** PNG of g(w), base64 (on-manifold datasets). */
  onManifold: string | null;
}

export interface BuildDatasetInput {
  /** Library id of the generator to project onto. */
  generatorModelId: Id;
  /** Folder of images per class, an IDX pair or NPY arrays. */
  imagesPath: string;
  name: string;
  /** Projection settings (ALGORITHMS.md §1). */
  steps?: number;
  learningRate?: number;
  lambdaL1?: number;
  /** Library id of the feature network for the perceptual term. */
  featureModelId?: Id;
  seed?: number;
}

// ───────────────────────────── attacks and suites ─────────────────────────────

export type AttackFamily = 'seen' | 'unseen' | 'autoattack' | 'baseline';

export interface AttackPresetInfo {
  /** Preset id, e.g. "pgd-50". */
  id: string;
  /** Attack implementation id, e.g. "pgd-linf". */
  attackId: string;
  /** Display name, e.g. "PGD-50". */
  name: string;
  family: AttackFamily;
  space: AttackSpace;
  budget: BudgetInfo;
  options: Record<string, string | number | boolean>;
  description: string;
}

/** One attack of a suite: a preset, optionally with its budget overridden. */
export interface SuiteAttackSpec {
  preset: string;
  /** Column label; defaults to the preset's name (must be unique within a suite). */
  label?: string;
  eps?: number;
  stepSize?: number;
  steps?: number;
  options?: Record<string, string | number | boolean>;
}

/** A strength sweep: accuracy of one preset at several budgets. */
export interface SweepSpec {
  preset: string;
  /** Budgets in the preset's unit. */
  eps: number[];
}

/** A suite as data: the built-in ones and user JSON files have this shape. */
export interface SuiteDefinition {
  name: string;
  description?: string;
  attacks: SuiteAttackSpec[];
  sweeps?: SweepSpec[];
}

export interface SuiteInfo {
  name: string;
  description: string;
  builtin: boolean;
  attacks: (SuiteAttackSpec & { resolved: AttackPresetInfo })[];
  sweeps: SweepSpec[];
}

// ───────────────────────────── audits ─────────────────────────────

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface StartAuditInput {
  modelId: Id;
  datasetId: Id;
  /**
   * A suite by name (built in: "quick", "paper", "reliable"; or a file `<name>.json` of the app's
   * `resources/suites` or of `$DMAT_HOME/suites`), or a suite definition. Never a path: the API
   * reads no file a caller names.
   */
  suite: string | SuiteDefinition;
  split?: DatasetSplit;
  images?: AuditImages;
  /** Number of samples (first N of the split after a seeded class-balanced shuffle); all by default. */
  samples?: number;
  batchSize?: number;
  seed?: number;
  /** Split the samples across this many job processes (outcomes are merged exactly). */
  workers?: number;
  /**
   * Spread the batches over `dmat worker` processes through this Redis queue
   * (`redis://[:password@]host:port[/db]`); `workers` is then the number of shards.
   */
  queue?: string;
  /** With a queue: only workers on this backend take the shards (bit-identical outcomes). */
  queueBackend?: 'wasm' | 'cpu' | 'tensorflow';
  /** Gallery examples stored per attack. */
  galleryPerAttack?: number;
  /** Run the gradient-masking sanity checks (default true). */
  sanityChecks?: boolean;
  /**
   * Budgets of a built-in suite: "dataset" (default) takes the dataset's manifest threatModel
   * where it has one; "preset" keeps the presets' (the paper's ImageNet) budgets. Suites from
   * files and inline definitions always run as written.
   */
  budgets?: 'dataset' | 'preset';
}

export interface AuditSummary {
  id: Id;
  modelId: Id;
  modelName: string;
  datasetId: Id;
  datasetName: string;
  suiteName: string;
  split: DatasetSplit;
  images: AuditImages;
  samples: number;
  seed: number;
  status: JobStatus;
  /** Clean accuracy on the audited images (null until computed). */
  standardAccuracy: number | null;
  /** Per-sample worst case over every attack of the suite. */
  worstCaseAccuracy: number | null;
  /** 95 % Wilson intervals of the two accuracies above, with their n (null until computed). */
  standardInterval?: AccuracyInterval | null;
  worstCaseInterval?: AccuracyInterval | null;
  backend: string;
  createdAt: Timestamp;
  finishedAt: Timestamp | null;
  durationMs: number | null;
  error: string | null;
}

export interface AttackResultInfo {
  /** Unique within the audit: the suite label. */
  key: string;
  preset: string;
  attackId: string;
  name: string;
  family: AttackFamily;
  space: AttackSpace;
  budget: BudgetInfo;
  /** Robust accuracy under this attack. */
  accuracy: number;
  correct: number;
  total: number;
  /** 95 % Wilson interval of `accuracy` over `total` samples. */
  interval?: AccuracyInterval | null;
  timeMs: number;
  imagesPerSecond: number;
  /** Mean measured perturbation size, in the budget's norm and unit. */
  meanPerturbationNorm: number;
  maxPerturbationNorm: number;
  /**
   * Options the attack ran with (randomStart, restarts, support, …); empty for results stored
   * before they were recorded, whose preset says.
   */
  options?: Record<string, string | number | boolean>;
}

export type SanitySeverity = 'info' | 'warning' | 'error';

export interface SanityFlag {
  /** Stable id, e.g. "zero-gradients". */
  check: string;
  severity: SanitySeverity;
  /** One sentence a user can act on. */
  message: string;
  attackKey: string | null;
  details: Record<string, number | string | boolean>;
}

export interface SweepCurve {
  preset: string;
  name: string;
  unit: BudgetUnit;
  norm: string;
  points: { eps: number; accuracy: number }[];
}

export interface AuditDetail extends AuditSummary {
  suite: SuiteDefinition;
  attacks: AttackResultInfo[];
  sanityFlags: SanityFlag[];
  curves: SweepCurve[];
  /** Model and dataset checksums, config hash, app version: the report's appendix. */
  reproducibility: Record<string, string | number>;
}

export interface SampleOutcomesInput {
  auditId: Id;
  offset?: number;
  limit?: number;
  /** Only samples that at least one of these attacks (default: all) fooled. */
  onlyFailures?: boolean;
  attackKeys?: string[];
}

export interface AttackOutcome {
  attackKey: string;
  correct: boolean;
  predicted: number;
  perturbationNorm: number;
}

export interface SampleOutcome {
  sampleIndex: number;
  label: number;
  cleanPredicted: number;
  cleanCorrect: boolean;
  attacks: AttackOutcome[];
  /** Correct on the clean input and under every attack of the (chosen) suite. */
  worstCaseCorrect: boolean;
}

export interface SampleOutcomesPage {
  total: number;
  offset: number;
  samples: SampleOutcome[];
}

export interface WorstCaseInput {
  auditId: Id;
  /** Attack keys to combine; empty = clean accuracy only. */
  attackKeys: string[];
  /** Count a sample as robust only when it is also correct on the clean input (default true). */
  includeClean?: boolean;
}

export interface WorstCaseResult {
  auditId: Id;
  attackKeys: string[];
  includeClean: boolean;
  robust: number;
  total: number;
  accuracy: number;
}

export interface GalleryInput {
  auditId: Id;
  attackKey?: string;
  limit?: number;
}

export interface GalleryItem {
  attackKey: string;
  sampleIndex: number;
  label: number;
  cleanPredicted: number;
  adversarialPredicted: number;
  perturbationNorm: number;
  /** PNGs, base64. The difference image is |x_adv − x| scaled to the full range (scale given). */
  clean: string;
  adversarial: string;
  difference: string;
  differenceScale: number;
}

// ───────────────────────────── training runs ─────────────────────────────

export type TrainingMethod = 'normal' | 'at' | 'omat' | 'dmat' | 'trades' | 'dmat-trades';

export interface AttackBudgetConfig {
  eps: number;
  stepSize: number;
  steps: number;
}

export interface TrainingConfig {
  method: TrainingMethod;
  datasetId: Id;
  /** Built-in architecture ("small-cnn", "resnet18") or omitted when fine-tuning `initModelId`. */
  architecture?: string;
  /** Width multiplier for built-in architectures. */
  width?: number;
  initModelId?: Id;
  name?: string;
  epochs: number;
  batchSize: number;
  /** Limit training to the first N records (seeded shuffle). */
  samples?: number;
  /** Learning-rate knots (epoch, value), piecewise-linear per iteration. */
  lrKnots: { epoch: number; value: number }[];
  momentum: number;
  weightDecay: number;
  /** Image-space attack for AT / DMAT / TRADES, [0,1] pixel units. */
  imageAttack?: AttackBudgetConfig;
  /** Latent attack for OM-AT / DMAT, latent units. */
  latentAttack?: AttackBudgetConfig & { kind?: 'om-pgd' | 'om-fgsm' };
  tradesBeta?: number;
  /** Samples of the validation subset evaluated each epoch (clean / PGD / OM-PGD). */
  validationSamples: number;
  seed: number;
  /**
   * Threads that share every step (data-parallel replicas). Default: one per core on the CPU
   * backends (wasm, cpu), one on tfjs-node; the same result, up to float rounding and the
   * random starts of each shard.
   */
  replicas?: number;
}

export interface TrainingDefaultsInput {
  method: TrainingMethod;
  datasetId?: Id;
}

export interface TrainingEstimate {
  /** null while nothing measured on this machine supports an estimate (`basis` says why). */
  secondsPerEpoch: number | null;
  totalSeconds: number | null;
  /** Where the figure comes from (earlier runs, images/s), or why there is none yet. */
  basis: string;
}

export interface RunSummary {
  id: Id;
  name: string;
  method: TrainingMethod;
  datasetId: Id;
  datasetName: string;
  status: JobStatus;
  epochsDone: number;
  epochs: number;
  /** Library id of the trained classifier once saved. */
  modelId: Id | null;
  lastMetrics: Record<string, number>;
  backend: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  finishedAt: Timestamp | null;
  error: string | null;
}

export interface CheckpointInfo {
  id: Id;
  runId: Id;
  epoch: number;
  step: number;
  path: string;
  createdAt: Timestamp;
}

export interface RunDetail extends RunSummary {
  config: TrainingConfig;
  checkpoints: CheckpointInfo[];
}

export type MetricScope = 'step' | 'epoch';

export interface MetricPoint {
  scope: MetricScope;
  epoch: number;
  /** Global iteration count. */
  step: number;
  /** e.g. loss, lr, cleanAcc, pgdAcc, omPgdAcc, imagesPerSecond. */
  name: string;
  value: number;
  at: Timestamp;
}

export interface RunMetricsInput {
  runId: Id;
  scope?: MetricScope;
  names?: string[];
  /** Only points with step greater than this (for incremental polling). */
  afterStep?: number;
}

// ───────────────────────────── reports ─────────────────────────────

export type ReportFormat = 'pdf' | 'json';

export interface ExportReportInput {
  /** One audit, or several to compare side by side. */
  auditIds: Id[];
  format: ReportFormat;
  title?: string;
}

export interface ReportInfo {
  id: Id;
  auditIds: Id[];
  format: ReportFormat;
  path: string;
  bytes: number;
  sha256: string;
  createdAt: Timestamp;
}

export interface ReportFile {
  fileName: string;
  mimeType: string;
  /** The file's bytes, base64. */
  base64: string;
}

// ───────────────────────────── history ─────────────────────────────

export type HistoryKind = 'audit' | 'run';

export interface HistoryQuery {
  /** Matches model, dataset, suite, method or run name (case-insensitive substring). */
  text?: string;
  kind?: HistoryKind;
  status?: JobStatus;
  limit?: number;
  offset?: number;
}

export interface HistoryEntry {
  kind: HistoryKind;
  id: Id;
  title: string;
  /** e.g. "quick · 500 samples · worst case 41.2 %". */
  subtitle: string;
  status: JobStatus;
  createdAt: Timestamp;
  finishedAt: Timestamp | null;
  /** Headline number: worst-case accuracy (audits) or last validation accuracy (runs). */
  headline: number | null;
}

export interface HistoryPage {
  total: number;
  entries: HistoryEntry[];
}

export interface DeleteHistoryInput {
  kind: HistoryKind;
  id: Id;
}

// ───────────────────────────── jobs and their events ─────────────────────────────

export type JobKind = 'audit' | 'train' | 'dataset-build' | 'report';

export interface JobRef {
  jobId: Id;
  kind: JobKind;
  /** The audit, run, dataset or report the job writes. */
  targetId: Id;
  /** Audits: the work planned, in image-gradient evaluations (one forward + backward pass). */
  gradientEvaluations?: number;
}

export interface JobProgress {
  /** Free label of the current phase, e.g. "PGD-50" or "epoch 3/20". */
  phase: string;
  done: number;
  total: number;
  /** What done/total count: "samples", "steps", "images". */
  unit: string;
  attacksDone?: number;
  attacksTotal?: number;
  /**
   * Share of the whole job done, in [0,1] (an audit: every phase × every sample, weighted by
   * gradient steps), where `done/total` counts the current phase only.
   */
  overall?: number;
  epoch?: number;
  epochs?: number;
  imagesPerSecond?: number;
  etaSeconds?: number;
  /** A job spread over queue workers: each worker's share and throughput so far. */
  workers?: WorkerThroughput[];
}

export interface WorkerThroughput {
  name: string;
  /** Sample-phases (one sample through one attack) this worker finished. */
  images: number;
  imagesPerSecond: number;
}

export interface QueueJobInfo {
  id: string;
  kind: 'audit shard' | 'training run';
  name: string;
  /** The audit or training run it belongs to. */
  target: string;
  state: 'waiting' | 'active' | 'completed' | 'failed' | string;
  /** The worker that took it (null while it waits). */
  worker: string | null;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  failedReason?: string;
}

export interface QueueStatus {
  /** The queue's URL without its password. */
  queue: string;
  workers: { name: string; listening: boolean; running: number; done: number; failed: number }[];
  jobs: QueueJobInfo[];
  counts: { waiting: number; active: number; completed: number; failed: number };
}

export interface JobInfo extends JobRef {
  status: JobStatus;
  startedAt: Timestamp;
  finishedAt: Timestamp | null;
  progress: JobProgress | null;
  error: string | null;
}

interface JobEventBase {
  jobId: Id;
  kind: JobKind;
  targetId: Id;
  at: Timestamp;
}

export type JobEvent =
  | (JobEventBase & { type: 'progress'; progress: JobProgress })
  | (JobEventBase & { type: 'metrics'; points: MetricPoint[] })
  | (JobEventBase & { type: 'log'; level: 'info' | 'warn' | 'error'; message: string })
  | (JobEventBase & { type: 'done'; result: unknown })
  | (JobEventBase & { type: 'error'; message: string; userError: boolean })
  | (JobEventBase & { type: 'cancelled' });

export type JobEventType = JobEvent['type'];

export interface IdInput {
  id: Id;
}

export interface JobIdInput {
  jobId: Id;
}

// ───────────────────────────── the API ─────────────────────────────

/** Everything the UI and the CLI can ask the engine. */
export interface DmatApi {
  // app
  getAppInfo(input?: Record<string, never>): Promise<AppInfo>;
  getBackend(input?: Record<string, never>): Promise<BackendInfo>;

  // library
  listModels(input?: { kind?: ModelKind }): Promise<ModelInfo[]>;
  getModel(input: IdInput): Promise<ModelInfo>;
  importModel(input: ImportModelInput): Promise<ModelInfo>;
  /** Write a classifier of the library as an ONNX file that PyTorch's tools (onnxruntime) load. */
  exportModel(input: ExportModelInput): Promise<ExportedModel>;
  removeModel(input: RemoveInput): Promise<void>;
  listDatasets(input?: Record<string, never>): Promise<DatasetInfo[]>;
  getDataset(input: IdInput): Promise<DatasetInfo>;
  importDataset(input: ImportDatasetInput): Promise<DatasetInfo>;
  removeDataset(input: RemoveInput): Promise<void>;
  previewDataset(input: DatasetPreviewInput): Promise<DatasetPreviewItem[]>;
  buildDataset(input: BuildDatasetInput): Promise<JobRef>;

  // attacks and suites
  listAttackPresets(input?: Record<string, never>): Promise<AttackPresetInfo[]>;
  listSuites(input?: Record<string, never>): Promise<SuiteInfo[]>;
  /** Check a user suite without running it; throws a validation error naming the field. */
  validateSuite(input: { suite: SuiteDefinition }): Promise<SuiteInfo>;
  /**
   * Check a suite and save it as `$DMAT_HOME/suites/<name>.json`, after which it runs by name.
   * Refuses a built-in suite's name, and an existing file unless `overwrite`.
   */
  saveSuite(input: { suite: SuiteDefinition; overwrite?: boolean }): Promise<SuiteInfo>;

  // audits
  startAudit(input: StartAuditInput): Promise<JobRef>;
  cancelAudit(input: IdInput): Promise<void>;
  /** Continue an interrupted, failed or cancelled audit from the batches it finished. */
  resumeAudit(input: IdInput): Promise<JobRef>;
  listAudits(input?: { modelId?: Id; datasetId?: Id; limit?: number }): Promise<AuditSummary[]>;
  getAudit(input: IdInput): Promise<AuditDetail>;
  getAttackResults(input: IdInput): Promise<AttackResultInfo[]>;
  getSampleOutcomes(input: SampleOutcomesInput): Promise<SampleOutcomesPage>;
  worstCase(input: WorstCaseInput): Promise<WorstCaseResult>;
  getGallery(input: GalleryInput): Promise<GalleryItem[]>;

  // training
  trainingDefaults(input: TrainingDefaultsInput): Promise<TrainingConfig>;
  estimateTraining(input: { config: TrainingConfig }): Promise<TrainingEstimate>;
  /** `queue`: a Redis URL; the run trains on a `dmat worker` instead of in a local job. */
  startRun(input: { config: TrainingConfig; queue?: string }): Promise<JobRef>;
  cancelRun(input: IdInput): Promise<void>;
  resumeRun(input: IdInput & { queue?: string }): Promise<JobRef>;
  listRuns(input?: { status?: JobStatus; limit?: number }): Promise<RunSummary[]>;
  /** Workers and jobs of a Redis queue (`dmat worker`), for the Workers screen. */
  getQueueStatus(input: { queue: string }): Promise<QueueStatus>;
  getRun(input: IdInput): Promise<RunDetail>;
  getRunMetrics(input: RunMetricsInput): Promise<MetricPoint[]>;

  // reports
  exportReport(input: ExportReportInput): Promise<ReportInfo>;
  listReports(input?: { auditId?: Id }): Promise<ReportInfo[]>;
  getReportFile(input: IdInput): Promise<ReportFile>;

  // history
  searchHistory(input?: HistoryQuery): Promise<HistoryPage>;
  deleteHistoryEntry(input: DeleteHistoryInput): Promise<void>;

  // jobs
  listJobs(input?: { active?: boolean }): Promise<JobInfo[]>;
  cancelJob(input: JobIdInput): Promise<void>;
  /** Subscribe to every job's events; returns the unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void): () => void;
}

/** The request/response calls (everything but the event subscription). */
export type DmatCallName = Exclude<keyof DmatApi, 'onJobEvent'>;
export type DmatCallInput<K extends DmatCallName> = Parameters<DmatApi[K]>[0];
export type DmatCallOutput<K extends DmatCallName> = Awaited<ReturnType<DmatApi[K]>>;

/** Errors crossing a face keep their kind so the UI can show user errors as such. */
export type ApiErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'not-available'
  | 'conflict'
  /** The machine failed: disk full or read-only, database locked, a job process died. */
  | 'environment'
  | 'internal';

export interface ApiErrorPayload {
  code: ApiErrorCode;
  message: string;
  /** For invalid input: the field path, e.g. "suite.attacks.2.eps". */
  field?: string;
}
