/**
 * Executing an audit or a run under its lease: one process at a time. The job takes the lease
 * before it touches any row (so a refused second job changes nothing), renews it while it works,
 * and gives it back when it ends; a holder that died leaves a stale lease the next job takes over.
 */
import { hostname } from 'node:os';
import { HEARTBEAT_MS, type Lease } from '../store/leases';
import type { Store } from '../store/index';

export class LeaseHeldError extends Error {
  constructor(what: string, holder: Lease) {
    const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
    super(`${what} is already running (pid ${holder.pid}${where}, since ${holder.acquiredAt})`);
    // A conflict the user can resolve (wait, or cancel the other): not a crash.
    this.name = 'UserError';
  }
}

export function leaseHolderMessage(what: string, holder: Lease): string {
  return new LeaseHeldError(what, holder).message;
}

export async function withLease<T>(
  store: Store,
  targetId: string,
  jobId: string,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const got = store.leases.acquire(targetId, jobId);
  if (!got.ok) throw new LeaseHeldError(what, got.holder);
  const timer = setInterval(() => {
    try {
      store.leases.heartbeat(targetId, jobId);
    } catch {
      // A missed heartbeat (database busy for a moment) is retried at the next tick.
    }
  }, HEARTBEAT_MS);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    store.leases.release(targetId, jobId);
  }
}

/** The reason a job's signal carries when its parent process went away. */
export const PARENT_GONE = 'parent-gone';

export const parentGone = (signal: AbortSignal) => signal.aborted && signal.reason === PARENT_GONE;
