/**
 * The generic job runner: `start(kind, params)` starts a job process, relays what it reports
 * as typed JobEvents (persisted when a store is given), and settles `done` with the result.
 * Cancel asks the job to stop cleanly and kills the process if it has not stopped after
 * `killAfterMs`.
 */
import type { JobEvent, JobKind, JobProgress } from '../../shared/api';
import type { Store } from '../store/index';
import { newId } from '../store/util';
import type { ChildMessage } from './messages';
import { spawnJobProcess } from './process-adapter';

export class JobFailedError extends Error {
  constructor(
    message: string,
    readonly userError: boolean,
    readonly jobId: string,
    /** The machine failed (disk, database, memory) or the job process died. */
    readonly environment = false,
  ) {
    super(message);
    this.name = userError ? 'UserError' : 'JobFailedError';
  }
}

export class JobCancelledError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

export interface JobHandle<R = unknown> {
  jobId: string;
  kind: string;
  targetId: string;
  /** Resolves with the job's result; rejects with JobFailedError or JobCancelledError. */
  done: Promise<R>;
  cancel(): Promise<void>;
  readonly pid: number | undefined;
}

export interface StartOptions {
  /** The audit/run/... the job writes; shown in events. */
  targetId?: string;
  /** Persist the job and its events in the store (default: when the runner has a store). */
  persist?: boolean;
  /** Called with every event of this job (in addition to the runner's listeners). */
  onEvent?: (e: JobEvent) => void;
  /** Called with the machine-readable progress detail of this job, when it sends one. */
  onDetail?: (detail: unknown) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RunnerOptions {
  store?: Store;
  /** How long a cancelled job may take to stop before its process is killed. */
  killAfterMs?: number;
  /** Minimum interval between persisted progress events of one job. */
  persistProgressEveryMs?: number;
}

export class JobRunner {
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly active = new Map<string, JobHandle>();

  constructor(private readonly opts: RunnerOptions = {}) {}

  /** Subscribe to every job's events; returns the unsubscribe function. */
  onEvent(cb: (e: JobEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  get(jobId: string): JobHandle | undefined {
    return this.active.get(jobId);
  }

  activeJobs(): JobHandle[] {
    return [...this.active.values()];
  }

  async start<R = unknown>(
    kind: string,
    params: unknown,
    o: StartOptions = {},
  ): Promise<JobHandle<R>> {
    const jobId = newId('job');
    const targetId = o.targetId ?? jobId;
    const store = o.persist === false ? undefined : this.opts.store;
    store?.jobs.insert({ id: jobId, kind: kind as JobKind, targetId, params });
    let channel;
    try {
      channel = await spawnJobProcess(o.env);
    } catch (err) {
      store?.jobs.finish(
        jobId,
        'failed',
        `could not start the job process: ${(err as Error).message}`,
      );
      throw err;
    }
    store?.jobs.setRunning(jobId, channel.pid ?? null);

    let lastPersisted = 0;
    const emit = (e: JobEvent) => {
      if (store) {
        if (e.type === 'progress') {
          store.jobs.setProgress(jobId, e.progress);
          const now = Date.now();
          if (now - lastPersisted >= (this.opts.persistProgressEveryMs ?? 1000)) {
            lastPersisted = now;
            store.jobs.recordEvent(e);
          }
        } else store.jobs.recordEvent(e);
      }
      o.onEvent?.(e);
      for (const l of this.listeners) l(e);
    };
    const base = () => ({ jobId, kind: kind as JobKind, targetId, at: new Date().toISOString() });

    let cancelRequested = false;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let resolveDone!: (r: R) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<R>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    // A caller that only listens to events must not trigger an unhandled rejection.
    done.catch(() => undefined);

    const settle = (outcome: { result: R } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      this.active.delete(jobId);
      if ('result' in outcome) {
        store?.jobs.finish(jobId, 'done');
        emit({ ...base(), type: 'done', result: outcome.result });
        resolveDone(outcome.result);
      } else if (outcome.error instanceof JobCancelledError) {
        store?.jobs.finish(jobId, 'cancelled');
        emit({ ...base(), type: 'cancelled' });
        rejectDone(outcome.error);
      } else {
        const e = outcome.error as JobFailedError;
        store?.jobs.finish(jobId, 'failed', e.message);
        emit({ ...base(), type: 'error', message: e.message, userError: e.userError ?? false });
        rejectDone(e);
      }
    };

    channel.onMessage((m: ChildMessage) => {
      switch (m.type) {
        case 'ready':
          channel.send({ type: 'start', jobId, kind, params });
          if (cancelRequested) channel.send({ type: 'cancel' });
          break;
        case 'progress':
          if (m.detail !== undefined) o.onDetail?.(m.detail);
          emit({ ...base(), type: 'progress', progress: m.progress as JobProgress });
          break;
        case 'metrics':
          emit({ ...base(), type: 'metrics', points: m.points });
          break;
        case 'log':
          emit({ ...base(), type: 'log', level: m.level, message: m.message });
          break;
        case 'result':
          settle({ result: m.result as R });
          break;
        case 'cancelled':
          settle({ error: new JobCancelledError(jobId) });
          break;
        case 'error':
          settle({
            error: new JobFailedError(m.message, m.userError, jobId, m.environment ?? false),
          });
          break;
      }
    });
    channel.onOutput((line, stream) =>
      emit({ ...base(), type: 'log', level: stream === 'stderr' ? 'warn' : 'info', message: line }),
    );
    channel.onExit((code, signal) => {
      if (cancelRequested) settle({ error: new JobCancelledError(jobId) });
      else
        settle({
          error: new JobFailedError(
            `the job process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`,
            false,
            jobId,
            true,
          ),
        });
    });

    const handle: JobHandle<R> = {
      jobId,
      kind,
      targetId,
      done,
      get pid() {
        return channel.pid;
      },
      cancel: async () => {
        if (settled) return;
        cancelRequested = true;
        channel.send({ type: 'cancel' });
        killTimer ??= setTimeout(() => channel.kill(), this.opts.killAfterMs ?? 5000);
        await done.catch(() => undefined);
      },
    };
    this.active.set(jobId, handle as JobHandle);
    return handle;
  }

  /** Cancel every running job (e.g. when the app quits). */
  async cancelAll(): Promise<void> {
    await Promise.all(this.activeJobs().map((j) => j.cancel()));
  }
}
