/**
 * A whole `dmat audit --queue` through Redis with 1, 2 and 3 `dmat worker` processes on this
 * machine, as a user runs it (the CLI in a process of its own, the shipped Normal classifier,
 * the quick suite), against the same audit run locally in one process. images/s counts audited
 * samples (each through the whole suite) per second of the requester's wall time. The 1-worker
 * case also gives the queue's overhead per shard: on one worker the shards run one after
 * another, so (6 shards − 1 shard) ÷ 5 is what a shard costs beyond its attacks (the job's round
 * trips, the worker preparing the model and data for it). Needs Debian's redis-server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, RedisServer, WorkerPool } from '../../tests/helpers/queue-harness';
import type { BenchCase, BenchOptions } from '../types';

const samples = (o: BenchOptions) => (o.quick ? 240 : 480);
const BATCH = 40;
/** Shards per audit: enough that three workers each take a few. */
const SHARDS = 6;

function auditArgs(o: BenchOptions, extra: string[]): string[] {
  return [
    ...['bin/dmat.mjs', 'audit', '--model', 'resources/models/normal'],
    ...['--data', 'resources/om-fashion-mnist', '--suite', 'quick'],
    ...['--samples', String(samples(o)), '--batch', String(BATCH), '--seed', '1', '--json'],
    ...extra,
  ];
}

function runAudit(home: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, DMAT_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`dmat audit exited ${code}: ${err.trim().split('\n').pop()}`)),
    );
  });
}

function timed(home: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return runAudit(home, args).then(() => performance.now() - t0);
}

function queueAuditCase(workers: number): BenchCase {
  return {
    id: `queue-audit-${workers}w`,
    metric: `dmat audit --queue, ${workers} worker${workers > 1 ? 's' : ''} here, quick suite, N samples, ${SHARDS} shards`,
    imagesPerRun: samples,
    stepsPerRun: () => 1,
    warmup: () => 1,
    repeats: (o) => (o.quick ? 1 : 3),
    setup: async (opts) => {
      if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
        throw new Error('needs redis-server (Debian: apt-get install redis-server)');
      const dir = mkdtempSync(path.join(tmpdir(), 'dmat-bench-queue-'));
      const redis = new RedisServer(dir, 'bench');
      await redis.start();
      const pool = new WorkerPool(dir, () => redis.url);
      const names = Array.from({ length: workers }, (_, i) => `bench-w${i + 1}`);
      for (const n of names) pool.start(n);
      await pool.ready(names);
      const home = path.join(dir, 'requester');
      // The same audit in one local process, for the ratio (after a warm-up of its own).
      await runAudit(home, auditArgs(opts, ['--workers', '1']));
      const localMs = await timed(home, auditArgs(opts, ['--workers', '1']));
      const queued = (shards: number) =>
        auditArgs(opts, ['--queue', redis.url, '--workers', String(shards)]);
      const oneShardMs = workers === 1 ? await timed(home, queued(1)) : NaN;
      return {
        run: () =>
          runAudit(home, auditArgs(opts, ['--queue', redis.url, '--workers', `${SHARDS}`])),
        note: (ms) => {
          const local = `local, one process: ${((samples(opts) * 1000) / localMs).toFixed(1)} samples/s (${(localMs / 1000).toFixed(1)} s); queued ÷ local time = ${(ms / localMs).toFixed(2)}×`;
          return workers === 1
            ? `${local}; one shard: ${(oneShardMs / 1000).toFixed(1)} s, so the overhead per shard ≈ ${((ms - oneShardMs) / (SHARDS - 1)).toFixed(0)} ms`
            : local;
        },
        dispose: () => {
          pool.killAll();
          void redis.stop().finally(() => rmSync(dir, { recursive: true, force: true }));
        },
      };
    },
  };
}

export const queueAuditCases: BenchCase[] = [1, 2, 3].map(queueAuditCase);
