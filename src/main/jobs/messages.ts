/** The messages between a job's parent and its process. Plain data (structured clone). */
import type { JobProgress, MetricPoint } from '../../shared/api';

export type ParentMessage =
  { type: 'start'; jobId: string; kind: string; params: unknown } | { type: 'cancel' };

export type ChildMessage =
  | { type: 'ready' }
  /** `detail` carries machine-readable progress for a parent job that aggregates parts. */
  | { type: 'progress'; progress: JobProgress; detail?: unknown }
  | { type: 'metrics'; points: MetricPoint[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; result: unknown }
  /** `environment`: the machine failed (disk, database, memory), not the input or the code. */
  | { type: 'error'; message: string; userError: boolean; environment?: boolean; stack?: string }
  | { type: 'cancelled' };

/** What a job handler gets: its parameters, a cancel signal and the ways to report. */
export interface JobContext<P = unknown> {
  jobId: string;
  params: P;
  signal: AbortSignal;
  progress(p: JobProgress, detail?: unknown): void;
  metrics(points: MetricPoint[]): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export type JobHandler<P = unknown, R = unknown> = (ctx: JobContext<P>) => Promise<R>;

/** Error names a handler throws for bad user input (shown as one line, never a stack). */
export const USER_ERROR_NAMES = new Set([
  'UserError',
  'SuiteError',
  'AuditInputError',
  'DataError',
  'ModelError',
  'AttackInputError',
  'UnknownAttackError',
  'NotFoundError',
  'ApiInputError',
  'TrainingConfigError',
]);

export function isUserError(err: unknown): boolean {
  return err instanceof Error && USER_ERROR_NAMES.has(err.name);
}
