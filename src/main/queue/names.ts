/** Queue names and job data shared by the requester (`dmat audit --queue`) and `dmat worker`. */
import type { AuditSetup } from '../engine/audit/prepare';
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
