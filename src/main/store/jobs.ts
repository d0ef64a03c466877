/** Table family: jobs (one per job process) and job_events (what each job reported). */
import type { JobEvent, JobInfo, JobKind, JobProgress, JobStatus } from '../../shared/api';
import type { Db } from './database';
import { fromJson, NotFoundError, nowIso, toJson } from './util';

interface JobRow {
  id: string;
  kind: JobKind;
  target_id: string;
  status: JobStatus;
  params: string;
  pid: number | null;
  progress: string | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

const fromRow = (r: JobRow): JobInfo => ({
  jobId: r.id,
  kind: r.kind,
  targetId: r.target_id,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  progress: fromJson<JobProgress | null>(r.progress, null),
  error: r.error,
});

export function jobsTable(db: Db) {
  const insertEvent = db.prepare(
    'INSERT INTO job_events (job_id, type, payload, at) VALUES (?, ?, ?, ?)',
  );
  return {
    insert(j: { id: string; kind: JobKind; targetId: string; params: unknown }): JobInfo {
      db.prepare(
        `INSERT INTO jobs (id, kind, target_id, status, params, started_at)
         VALUES (?, ?, ?, 'queued', ?, ?)`,
      ).run(j.id, j.kind, j.targetId, toJson(j.params), nowIso());
      return this.get(j.id);
    },
    get(id: string): JobInfo {
      const r = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      if (!r) throw new NotFoundError('job', id);
      return fromRow(r);
    },
    params<T>(id: string): T {
      const r = db.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as
        { params: string } | undefined;
      if (!r) throw new NotFoundError('job', id);
      return fromJson(r.params, {} as T);
    },
    list(active?: boolean): JobInfo[] {
      const rows = db
        .prepare(
          `SELECT * FROM jobs WHERE (@active IS NULL OR (status IN ('queued', 'running')) = @active)
           ORDER BY started_at DESC, id DESC`,
        )
        .all({ active: active === undefined ? null : active ? 1 : 0 }) as JobRow[];
      return rows.map(fromRow);
    },
    /** The most recent job that wrote `targetId`, with its parameters. */
    latestFor(targetId: string): { job: JobInfo; params: unknown } | undefined {
      const r = db
        .prepare(
          'SELECT * FROM jobs WHERE target_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1',
        )
        .get(targetId) as JobRow | undefined;
      return r && { job: fromRow(r), params: fromJson<unknown>(r.params, {}) };
    },
    pid(id: string): number | null {
      const r = db.prepare('SELECT pid FROM jobs WHERE id = ?').get(id) as
        { pid: number | null } | undefined;
      return r?.pid ?? null;
    },
    remove(id: string): void {
      db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
    },
    setRunning(id: string, pid: number | null): void {
      db.prepare(`UPDATE jobs SET status = 'running', pid = ? WHERE id = ?`).run(pid, id);
    },
    setProgress(id: string, p: JobProgress): void {
      db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(toJson(p), id);
    },
    finish(id: string, status: Exclude<JobStatus, 'queued' | 'running'>, error?: string): void {
      db.prepare('UPDATE jobs SET status = ?, finished_at = ?, error = ? WHERE id = ?').run(
        status,
        nowIso(),
        error ?? null,
        id,
      );
    },
    /** Persist an event (progress events too: the last one is also kept on the job row). */
    recordEvent(e: JobEvent): void {
      const { jobId, type, at, ...rest } = e;
      insertEvent.run(jobId, type, toJson(rest), at);
    },
    events(
      jobId: string,
    ): { type: JobEvent['type']; payload: Record<string, unknown>; at: string }[] {
      const rows = db
        .prepare('SELECT type, payload, at FROM job_events WHERE job_id = ? ORDER BY id')
        .all(jobId) as { type: JobEvent['type']; payload: string; at: string }[];
      return rows.map((r) => ({ type: r.type, payload: fromJson(r.payload, {}), at: r.at }));
    },
  };
}

export type JobsTable = ReturnType<typeof jobsTable>;
