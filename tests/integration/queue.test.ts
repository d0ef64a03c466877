/**
 * Scale-out through BullMQ on Redis, as a user runs it: Debian's redis-server on 127.0.0.1 at a
 * free port with a password, three `dmat worker` processes, and `dmat audit --queue`. The merged
 * per-sample outcomes must equal a single-process audit's byte for byte, also when a worker is
 * SIGKILLed mid-shard (its shard is re-run elsewhere) and when Redis restarts mid-audit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlowProducer, Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditDetail } from '../../src/shared/api';
import { createApi } from '../../src/main/api/index';
import { PARTS_QUEUE } from '../../src/main/queue/names';
import { ROOT, RedisServer, WorkerPool, waitFor } from '../helpers/queue-harness';

const home = mkdtempSync(path.join(tmpdir(), 'dmat-queue-'));
const redisDir = mkdtempSync(path.join(tmpdir(), 'dmat-redis-'));
const redis = new RedisServer(redisDir, 'queue-test-secret');
const pool = new WorkerPool(home, () => redis.url);
const workers = pool.workers;

/** `dmat audit` as a child process; resolves with its stored audit. */
function audit(extra: string[]): {
  done: Promise<AuditDetail>;
  proc: ChildProcess;
  stderr: () => string;
} {
  const args = [
    'bin/dmat.mjs',
    'audit',
    '--model',
    'resources/models/normal',
    '--data',
    'resources/om-fashion-mnist',
    '--samples',
    '480',
    '--batch',
    '40',
    '--seed',
    '3',
    '--json',
    ...extra,
  ];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DMAT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<AuditDetail>((resolve, reject) => {
    proc.on('exit', (code) => {
      if (code !== 0)
        reject(new Error(`dmat audit exited ${code}: ${err.trim().split('\n').pop()}`));
      else resolve((JSON.parse(out) as { audit: AuditDetail }).audit);
    });
  });
  return { done, proc, stderr: () => err };
}

async function outcomes(id: string): Promise<string> {
  const api = createApi({ home });
  try {
    const page = await api.getSampleOutcomes({ auditId: id, limit: 10_000 });
    return JSON.stringify(page.samples);
  } finally {
    await api.close();
  }
}

let local: { audit: AuditDetail; outcomes: string };

beforeAll(async () => {
  await redis.start();
  for (const name of ['w1', 'w2', 'w3']) pool.start(name);
  await pool.ready(['w1', 'w2', 'w3']);
  const a = await audit(['--workers', '1']).done;
  local = { audit: a, outcomes: await outcomes(a.id) };
}, 240_000);

afterAll(async () => {
  pool.killAll();
  await redis.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(redisDir, { recursive: true, force: true });
});

describe('dmat audit --queue', { timeout: 240_000 }, () => {
  it('spreads the shards over the workers and merges them into the single-process outcomes, byte for byte', async () => {
    const run = audit(['--queue', redis.url, '--workers', '6']);
    const a = await run.done;
    // Each worker's throughput streams to the progress line.
    expect(run.stderr()).toMatch(/ · workers w\d \d+\.\d(, w\d \d+\.\d)* img\/s/);
    expect(a.attacks.map((t) => [t.name, t.correct])).toEqual(
      local.audit.attacks.map((t) => [t.name, t.correct]),
    );
    expect(a.worstCaseAccuracy).toBe(local.audit.worstCaseAccuracy);
    expect(await outcomes(a.id)).toBe(local.outcomes);
    // Every worker took part.
    for (const [name, w] of workers)
      expect(
        w.log.some((l) => l.includes(`of audit ${a.id} done`)),
        name,
      ).toBe(true);
  });

  it('re-runs the shard of a worker killed mid-shard elsewhere: nothing lost or counted twice', async () => {
    const run = audit(['--queue', redis.url, '--workers', '6']);
    const victim = workers.get('w2')!;
    const seen = victim.log.length;
    await waitFor('w2 to take a shard', () =>
      victim.log.slice(seen).some((l) => / of audit .*\(batches/.test(l)),
    );
    victim.proc.kill('SIGKILL');
    const a = await run.done;
    expect(await outcomes(a.id)).toBe(local.outcomes);
    pool.start('w2');
  });

  it('waits out a Redis restart mid-audit and finishes with the same outcomes', async () => {
    const run = audit(['--queue', redis.url, '--workers', '12']);
    const w1 = workers.get('w1')!;
    const seen = w1.log.length;
    await waitFor('a first shard done', () =>
      w1.log.slice(seen).some((l) => l.includes(' done in ')),
    );
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    const a = await run.done;
    expect(await outcomes(a.id)).toBe(local.outcomes);
  });

  it('cancelling the audit (Ctrl+C) stops every shard, running or waiting', async () => {
    // Four batches per shard, so the cancel lands inside running shards.
    const run = audit(['--queue', redis.url, '--workers', '3']);
    run.done.catch(() => undefined);
    const logs = [...workers.values()].map((w) => ({ w, seen: w.log.length }));
    await waitFor('a shard running', () =>
      logs.some(({ w, seen }) => w.log.slice(seen).some((l) => /\(batches/.test(l))),
    );
    run.proc.kill('SIGINT');
    await new Promise((r) => run.proc.once('exit', r));
    const parts = new Queue(PARTS_QUEUE, {
      connection: redis.connection,
    });
    try {
      let counts: Record<string, number> = {};
      await waitFor(
        'no shard running or waiting',
        () => {
          void parts.getJobCounts('waiting', 'active', 'delayed').then((c) => (counts = c));
          return counts.waiting === 0 && counts.active === 0 && counts.delayed === 0;
        },
        60_000,
      );
    } finally {
      await parts.close();
    }
    const stopped = (l: string) => / of audit .* cancelled by its requester$/.test(l);
    expect(logs.some(({ w, seen }) => w.log.slice(seen).some(stopped))).toBe(true);
    const api = createApi({ home });
    try {
      const latest = (await api.listAudits({ limit: 1 }))[0];
      expect(latest.status).toBe('cancelled');
    } finally {
      await api.close();
    }
  });

  it('a worker of another version refuses the shard with the reason, and no one retries it', async () => {
    const connection = redis.connection;
    const flows = new FlowProducer({ connection });
    const parts = new Queue(PARTS_QUEUE, { connection });
    try {
      const tree = await flows.add({
        name: 'old',
        queueName: 'dmat-audits',
        children: [
          {
            name: 'shard 1/1',
            queueName: PARTS_QUEUE,
            data: { appVersion: '0.0.1', flowId: 'x', auditId: 'aud_old', range: [0, 1] },
            opts: { attempts: 3 },
          },
        ],
      });
      const id = tree.children![0].job.id!;
      let reason = '';
      await waitFor(
        'the shard to fail',
        () => {
          void Job.fromId(parts, id).then((j) => (reason = j?.failedReason ?? ''));
          return reason !== '';
        },
        30_000,
      );
      expect(reason).toMatch(
        /runs DMAT Studio .*, the audit was planned by 0\.0\.1; run workers of the same version/,
      );
      const job = await Job.fromId(parts, id);
      expect(job!.attemptsMade).toBe(1);
    } finally {
      await flows.close();
      await parts.close();
    }
  });

  it('refuses an unreachable queue or a wrong password in one line', () => {
    const wrong = spawnSync(
      process.execPath,
      ['bin/dmat.mjs', 'worker', '--queue', `redis://:nope@127.0.0.1:${redis.port}`],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DMAT_HOME: home } },
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(
      /cannot reach the queue at redis:\/\/:…@127\.0\.0\.1:\d+\/0 \(as a worker\): WRONGPASS/,
    );
    expect(wrong.stderr).not.toContain('nope');
  });
});
