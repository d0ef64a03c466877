/**
 * Training on workers through BullMQ on Redis, as a user runs it: `dmat train --queue` and
 * `dmat resume --queue` against `dmat worker` processes. A run must store what the same run
 * trained locally stores (weights byte for byte, every step's loss, every epoch's metrics), also
 * when its worker is SIGKILLed mid-run (another continues from the last checkpoint), when the
 * run is cancelled and resumed on the queue, and when its worker is stopped (it hands the run
 * back to the queue), or when Redis restarts mid-run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/api/index';
import { openStore } from '../../src/main/store/index';
import { databasePath } from '../../src/main/store/paths';
import { ROOT, RedisServer, WorkerPool, waitFor } from '../helpers/queue-harness';

const work = mkdtempSync(path.join(tmpdir(), 'dmat-queue-train-'));
const redis = new RedisServer(mkdtempSync(path.join(tmpdir(), 'dmat-redis-')), 'train-secret');
const pool = new WorkerPool(work, () => redis.url);

/** Adversarial training, 2 epochs of 32 steps: checkpoints every 8 steps. */
const TRAIN = [
  ...['--method', 'at', '--data', 'resources/om-fashion-mnist', '--samples', '1024'],
  ...['--batch', '32', '--epochs', '2', '--replicas', '1', '--validation', '64', '--seed', '5'],
];

interface Cli {
  proc: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function dmat(home: string, args: string[]): Cli {
  const proc = spawn(process.execPath, ['bin/dmat.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, DMAT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, out: () => out, exit };
}

const runIdOf = (out: string) => /^run (run_[0-9a-f]+) /m.exec(out)?.[1];

/** What a run stored: its model's weights, each step's loss and lr, each epoch's metrics. */
async function stored(home: string, runId: string) {
  const api = createApi({ home });
  try {
    const run = await api.getRun({ id: runId });
    const model = (await api.listModels()).find((m) => m.id === run.modelId);
    const weights = readFileSync(path.join(model!.path, 'weights.bin'));
    const steps = (await api.getRunMetrics({ runId, scope: 'step' }))
      .filter((p) => p.name === 'loss' || p.name === 'lr')
      .map((p) => `${p.step} ${p.name} ${p.value}`);
    const epochs = (await api.getRunMetrics({ runId, scope: 'epoch' }))
      .filter((p) => p.name !== 'epochSeconds')
      .map((p) => `${p.epoch} ${p.name} ${p.value}`);
    return {
      status: run.status,
      weights: createHash('sha256').update(weights).digest('hex'),
      steps,
      epochs,
    };
  } finally {
    await api.close();
  }
}

/**
 * The requester has recorded a checkpoint: the worker named it in the job's data before it sent
 * the event, so a worker that takes the job up from here continues from it (a checkpoint file
 * alone may not be named yet).
 */
function checkpointRecorded(home: string, cli: Cli): boolean {
  const runId = runIdOf(cli.out());
  if (!runId || !existsSync(databasePath(home))) return false;
  const store = openStore(databasePath(home));
  try {
    return store.checkpoints.latest(runId) !== undefined;
  } finally {
    store.close();
  }
}

let reference: Awaited<ReturnType<typeof stored>>;

beforeAll(async () => {
  await redis.start();
  pool.start('w1');
  await pool.ready(['w1']);
  const home = path.join(work, 'local');
  const local = dmat(home, ['train', ...TRAIN]);
  expect(await local.exit, local.out()).toBe(0);
  reference = await stored(home, runIdOf(local.out())!);
  expect(reference.steps).toHaveLength(2 * 64);
}, 240_000);

afterAll(async () => {
  pool.killAll();
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(redis.dir, { recursive: true, force: true });
});

describe('dmat train --queue', { timeout: 240_000 }, () => {
  it('a worker killed mid-run is replaced from the last checkpoint: the run stores exactly what a local run stores', async () => {
    const home = path.join(work, 'killed');
    const run = dmat(home, ['train', ...TRAIN, '--queue', redis.url]);
    await waitFor('a first checkpoint', () => checkpointRecorded(home, run));
    await pool.kill('w1');
    const w2 = pool.start('w2');
    expect(await run.exit, run.out()).toBe(0);
    expect(w2.log.some((l) => /from .*step-\d+\.ckpt$/.test(l))).toBe(true);
    expect(run.out()).toMatch(/on w1 \|/);
    expect(run.out()).toMatch(/on w2 \|/);
    const got = await stored(home, runIdOf(run.out())!);
    expect(got.status).toBe('done');
    expect(got.steps).toEqual(reference.steps);
    expect(got.epochs).toEqual(reference.epochs);
    expect(got.weights).toBe(reference.weights);
  });

  it('a run cancelled with Ctrl+C resumes on the queue (dmat resume --queue) and replays exactly', async () => {
    const home = path.join(work, 'cancelled');
    const run = dmat(home, ['train', ...TRAIN, '--queue', redis.url]);
    await waitFor('a first checkpoint', () => checkpointRecorded(home, run));
    run.proc.kill('SIGINT');
    expect(await run.exit, run.out()).toBe(1);
    const runId = runIdOf(run.out())!;
    expect(run.out()).toContain(`continue it with: dmat resume ${runId}`);
    const api = createApi({ home });
    try {
      expect((await api.getRun({ id: runId })).status).toBe('cancelled');
    } finally {
      await api.close();
    }
    const resumed = dmat(home, ['resume', runId, '--queue', redis.url]);
    expect(await resumed.exit, resumed.out()).toBe(0);
    expect(resumed.out()).toMatch(/continues from step [1-9]/);
    const got = await stored(home, runId);
    expect(got.steps).toEqual(reference.steps);
    expect(got.epochs).toEqual(reference.epochs);
    expect(got.weights).toBe(reference.weights);
  });

  it('a worker that is stopped hands its run back to the queue, and another finishes it', async () => {
    const home = path.join(work, 'stopped');
    const run = dmat(home, ['train', ...TRAIN, '--queue', redis.url]);
    await waitFor('a first checkpoint', () => checkpointRecorded(home, run));
    const w2 = pool.get('w2');
    await pool.kill('w2', 'SIGTERM');
    expect(w2.log.some((l) => l.includes('handed back to the queue'))).toBe(true);
    const w3 = pool.start('w3');
    expect(await run.exit, run.out()).toBe(0);
    expect(w3.log.some((l) => /from .*step-\d+\.ckpt$/.test(l))).toBe(true);
    const got = await stored(home, runIdOf(run.out())!);
    expect(got.steps).toEqual(reference.steps);
    expect(got.weights).toBe(reference.weights);
  });

  it('waits out a Redis restart mid-run and stores exactly the local run', async () => {
    const home = path.join(work, 'redis-restart');
    const run = dmat(home, ['train', ...TRAIN, '--queue', redis.url]);
    await waitFor('a first checkpoint', () => checkpointRecorded(home, run));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    expect(await run.exit, run.out()).toBe(0);
    const got = await stored(home, runIdOf(run.out())!);
    expect(got.steps).toEqual(reference.steps);
    expect(got.epochs).toEqual(reference.epochs);
    expect(got.weights).toBe(reference.weights);
  });
});
