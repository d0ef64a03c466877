/** Queue names and job data shared by the requester (`dmat audit --queue`) and `dmat worker`. */
import type { MetricPoint, TrainingConfig } from '../../shared/api';
import type { AuditSetup } from '../engine/audit/prepare';
import type { RunProgress } from '../engine/training/execute-run';
import type { Artifact } from './artifacts';

/** Where audit shards wait for workers. */
export const PARTS_QUEUE = 'dmat-audit-parts';
/** Parents of the shard flows; nobody processes them, the requester collects their children. */
export const AUDITS_QUEUE = 'dmat-audits';

export const cancelKey = (flowId: string) => `dmat:cancel:${flowId}`;

export interface ShardData {
  flowId: string;
  auditId: string;
  shard: number;
  shards: number;
  /** The requester's version: a worker of another version refuses the shard. */
  appVersion: string;
  /** A backend the worker must run on (same float rounding as the requester), or any. */
  backend?: string;
  setup: AuditSetup;
  range: [number, number];
  model: Artifact;
  dataset: Artifact;
}

/** What a worker reports with each progress update. */
export interface ShardProgress {
  worker: string;
  detail: unknown;
}

/** Where training runs wait for a worker (one job per run attempt). */
export const TRAIN_QUEUE = 'dmat-train';

export interface TrainData {
  /** Also the cancel key's id. */
  flowId: string;
  runId: string;
  runName: string;
  appVersion: string;
  config: TrainingConfig;
  dataset: Artifact;
  initModel?: Artifact;
  /**
   * The requester's run folder and model folder: the worker writes its checkpoints and the
   * trained classifier there (a folder both machines mount at the same path).
   */
  runDir: string;
  modelDir: string;
  /** The checkpoint to continue from; a worker updates it after every checkpoint it writes. */
  resumeFrom?: { path: string; sha256: string; step?: number };
}

/** What a training worker streams back, in order, as BullMQ progress. */
export type TrainEvent =
  | { type: 'started'; worker: string; backend: string; replicas: number; resumedStep: number }
  | { type: 'step'; worker: string; points: MetricPoint[]; progress: RunProgress }
  | { type: 'epoch'; points: MetricPoint[]; epoch: number; lastMetrics: Record<string, number> }
  | { type: 'checkpoint'; file: string; epoch: number; step: number; sha256: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

/** A training job's return value. */
export interface TrainOutcome {
  cancelled: boolean;
  epochs: number;
  lastMetrics: Record<string, number>;
  backend: string;
  worker: string;
  modelDir?: string;
}
