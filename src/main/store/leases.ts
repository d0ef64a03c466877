/**
 * Table family: leases. The job process that executes an audit or a run holds its lease (pid,
 * host, heartbeat). Taking a lease is one IMMEDIATE transaction, so of two processes racing for
 * the same run exactly one wins; a lease whose process is gone (dead pid on this host, or no
 * heartbeat for `STALE_MS` elsewhere) is stale and is taken over.
 */
import { hostname } from 'node:os';
import type { Db } from './database';
import { nowIso } from './util';

export interface Lease {
  targetId: string;
  jobId: string;
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatAt: string;
}

interface LeaseRow {
  target_id: string;
  job_id: string;
  pid: number;
  host: string;
  acquired_at: string;
  heartbeat_at: string;
}

/** A lease not renewed for this long is stale even if its pid exists (e.g. another host). */
export const STALE_MS = 60_000;
/** How often a holder renews its lease. */
export const HEARTBEAT_MS = 5_000;

const fromRow = (r: LeaseRow): Lease => ({
  targetId: r.target_id,
  jobId: r.job_id,
  pid: r.pid,
  host: r.host,
  acquiredAt: r.acquired_at,
  heartbeatAt: r.heartbeat_at,
});

export function processAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseAlive(l: Lease, now = Date.now()): boolean {
  if (now - Date.parse(l.heartbeatAt) > STALE_MS) return false;
  return l.host !== hostname() || processAlive(l.pid);
}

export function leasesTable(db: Db) {
  const select = db.prepare('SELECT * FROM leases WHERE target_id = ?');
  return {
    /** The live lease on a target, if any. */
    holder(targetId: string): Lease | undefined {
      const r = select.get(targetId) as LeaseRow | undefined;
      const l = r && fromRow(r);
      return l && leaseAlive(l) ? l : undefined;
    },
    /** Take the lease for `jobId` in this process; returns the live holder instead if there is one. */
    acquire(targetId: string, jobId: string): { ok: true } | { ok: false; holder: Lease } {
      return db
        .transaction(() => {
          const r = select.get(targetId) as LeaseRow | undefined;
          const current = r && fromRow(r);
          if (current && current.jobId !== jobId && leaseAlive(current))
            return { ok: false as const, holder: current };
          const now = nowIso();
          db.prepare(
            `INSERT INTO leases (target_id, job_id, pid, host, acquired_at, heartbeat_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (target_id) DO UPDATE SET job_id = excluded.job_id, pid = excluded.pid,
               host = excluded.host, acquired_at = excluded.acquired_at,
               heartbeat_at = excluded.heartbeat_at`,
          ).run(targetId, jobId, process.pid, hostname(), now, now);
          return { ok: true as const };
        })
        .immediate();
    },
    heartbeat(targetId: string, jobId: string): void {
      db.prepare('UPDATE leases SET heartbeat_at = ? WHERE target_id = ? AND job_id = ?').run(
        nowIso(),
        targetId,
        jobId,
      );
    },
    release(targetId: string, jobId: string): void {
      db.prepare('DELETE FROM leases WHERE target_id = ? AND job_id = ?').run(targetId, jobId);
    },
  };
}

export type LeasesTable = ReturnType<typeof leasesTable>;
