/**
 * Faults, as they happen to users: the audit's job process killed (-9), the `dmat audit` that
 * started it killed, `dmat serve` killed mid-audit; each audit then resumes to exactly the
 * per-sample outcomes of one that ran through, and its job and audit rows agree at every point.
 * Two `dmat resume` of one run at once: one trains, the other is refused and changes nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditOutcomes } from '../../src/main/engine/audit/outcomes';
import { openStore } from '../../src/main/store/index';
import { databasePath } from '../../src/main/store/paths';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'resources/models/normal');
const DATA = join(ROOT, 'resources/om-fashion-mnist');
const AUDIT = ['--model', MODEL, '--data', DATA, '--suite', 'quick', '--samples', '480'];
const SPLIT = ['--batch', '40', '--workers', '2', '--seed', '7'];
const homes: string[] = [];

function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'dmat-faults-'));
  homes.push(h);
  return h;
}

function dmat(home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dmat.mjs'), ...args], {
    env: { ...process.env, DMAT_HOME: home },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dmatChild(home: string, ...args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/dmat.mjs'), ...args], {
    env: { ...process.env, DMAT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) =>
    c.exitCode !== null || c.signalCode !== null
      ? r(c.exitCode)
      : c.once('exit', (code) => r(code)),
  );

function withStore<T>(home: string, read: (s: ReturnType<typeof openStore>) => T): T {
  const s = openStore(databasePath(home));
  try {
    return read(s);
  } finally {
    s.close();
  }
}

async function until<T>(what: string, probe: () => T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The only audit of a home once some of its attack batches are journalled, with its job. */
function auditInFlight(home: string) {
  return withStore(home, (s) => {
    const audit = s.audits.list()[0];
    if (!audit) return undefined;
    const attackBatches = s.auditBatches
      .phases(audit.id)
      .filter((p) => p.phase >= 1)
      .reduce((n, p) => n + p.batches, 0);
    const job = s.jobs.latestFor(audit.id)?.job;
    const pid = job && s.jobs.pid(job.jobId);
    return attackBatches >= 2 && pid ? { auditId: audit.id, jobId: job.jobId, pid } : undefined;
  });
}

/** Audit and job rows as a reader sees them. */
function rows(home: string, auditId: string) {
  return withStore(home, (s) => ({
    audit: s.audits.get(auditId),
    jobs: s.jobs.list().filter((j) => j.targetId === auditId),
  }));
}

const outcomesOf = (home: string, auditId: string): AuditOutcomes =>
  withStore(home, (s) => s.outcomes.load(auditId));

function expectSameOutcomes(a: AuditOutcomes, b: AuditOutcomes) {
  expect(a.sampleIndices).toEqual(b.sampleIndices);
  expect(a.cleanPredicted).toEqual(b.cleanPredicted);
  expect(a.attacks.map((x) => x.key)).toEqual(b.attacks.map((x) => x.key));
  a.attacks.forEach((x, i) => {
    expect(x.predicted).toEqual(b.attacks[i].predicted);
    expect(x.correct).toEqual(b.attacks[i].correct);
    x.perturbationNorm.forEach((v, k) =>
      expect(v).toBeCloseTo(b.attacks[i].perturbationNorm[k], 6),
    );
  });
}

function resumeAndCompare(home: string, auditId: string) {
  const r = dmat(home, 'audit', '--resume', auditId, '--json');
  expect(r.code, r.stderr).toBe(0);
  const after = rows(home, auditId);
  expect(after.audit.status).toBe('done');
  expect(after.jobs[0].status).toBe('done');
  expect(withStore(home, (s) => s.auditBatches.count(auditId))).toBe(0);
  expectSameOutcomes(outcomesOf(home, auditId), baseline);
}

let baseline: AuditOutcomes;

beforeAll(() => {
  const home = newHome();
  const r = dmat(home, 'audit', ...AUDIT, ...SPLIT, '--json');
  expect(r.code, r.stderr).toBe(0);
  const id = (JSON.parse(r.stdout) as { audit: { id: string } }).audit.id;
  baseline = outcomesOf(home, id);
}, 300_000);

afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('an audit interrupted and resumed', { timeout: 300_000 }, () => {
  it('survives kill -9 of its job process: exit 3, rows agree, resume gives the same outcomes', async () => {
    const home = newHome();
    const cli = dmatChild(home, 'audit', ...AUDIT, ...SPLIT);
    const { auditId, pid } = await until('attack batches', () => auditInFlight(home));
    process.kill(pid, 'SIGKILL');
    expect(await exited(cli)).toBe(3);
    expect(cli.output()).toMatch(/the job process ended unexpectedly \(signal SIGKILL\)/);
    expect(cli.output()).not.toMatch(/\n\s+at /);
    const r = rows(home, auditId);
    expect(r.audit.status).toBe('failed');
    expect(r.jobs.map((j) => j.status)).toEqual(['failed']);
    resumeAndCompare(home, auditId);
  });

  it('survives kill -9 of the dmat audit that started it: the job records its interruption and stops', async () => {
    const home = newHome();
    const cli = dmatChild(home, 'audit', ...AUDIT, ...SPLIT);
    const { auditId, pid } = await until('attack batches', () => auditInFlight(home));
    cli.kill('SIGKILL');
    await exited(cli);
    // On a loaded machine (the whole test run on two cores) this can take minutes.
    const r = await until(
      'the interruption to be recorded',
      () => {
        const now = rows(home, auditId);
        return now.audit.status === 'failed' && now.jobs[0].status === 'failed' ? now : undefined;
      },
      240_000,
    );
    expect(r.audit.error).toMatch(/^interrupted: .*dmat audit --resume/);
    expect(r.jobs[0].error).toBe(r.audit.error);
    await until(
      'the orphaned job to stop',
      () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      240_000,
    );
    resumeAndCompare(home, auditId);
  }, 600_000);

  it('survives kill -9 of dmat serve mid-audit', async () => {
    const home = newHome();
    const serve = dmatChild(home, 'serve', '--port', '0');
    const url = await until(
      'the server URL',
      () => /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(serve.output())?.[0],
    );
    const token = new URL(url).hash.replace('#token=', '');
    const res = await fetch(`${new URL(url).origin}/api/call/startAudit`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        modelId: MODEL,
        datasetId: DATA,
        suite: 'quick',
        samples: 480,
        batchSize: 40,
        workers: 2,
        seed: 7,
      }),
    });
    const started = (await res.json()) as { ok: boolean; value: { targetId: string } };
    expect(started.ok).toBe(true);
    const { auditId } = await until('attack batches', () => auditInFlight(home));
    expect(auditId).toBe(started.value.targetId);
    serve.kill('SIGKILL');
    await exited(serve);
    // The job finds its parent gone between batches; on a loaded machine (the whole test run on
    // two cores) that can take minutes.
    await until(
      'the interruption to be recorded',
      () => (rows(home, auditId).audit.status === 'failed' ? true : undefined),
      240_000,
    );
    // The orphaned job records its interruption first, then stops its part processes and lets
    // go of the audit; a resume before that is refused, naming the holder.
    await until(
      'the orphaned job to let go of the audit',
      () => (withStore(home, (s) => s.leases.holder(auditId)) ? undefined : true),
      240_000,
    );
    resumeAndCompare(home, auditId);
  }, 420_000);

  it('refuses to resume a finished audit, and names the holder of a running one', async () => {
    const home = newHome();
    const cli = dmatChild(home, 'audit', ...AUDIT, ...SPLIT);
    const { auditId, pid } = await until('attack batches', () => auditInFlight(home));
    const second = dmat(home, 'audit', '--resume', auditId);
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`audit ${auditId} is already running \\(pid ${pid}`));
    expect(await exited(cli)).toBe(0);
    const again = dmat(home, 'audit', '--resume', auditId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/has already finished/);
    expectSameOutcomes(outcomesOf(home, auditId), baseline);
  });
});

describe('two resumes of one training run at once', { timeout: 300_000 }, () => {
  it('lets one train and refuses the other without touching the run', async () => {
    const home = newHome();
    const started = dmatChild(
      home,
      'train',
      '--method',
      'normal',
      '--data',
      DATA,
      '--epochs',
      '2',
      '--samples',
      '1024',
      '--batch',
      '64',
    );
    const runId = await until('a checkpoint', () =>
      withStore(home, (s) => {
        const run = s.runs.list()[0];
        return run && s.checkpoints.list(run.id).length > 0 ? run.id : undefined;
      }),
    );
    started.kill('SIGINT');
    await exited(started);
    await until('the run to stop', () =>
      withStore(home, (s) => (s.leases.holder(runId) ? undefined : true)),
    );
    const a = dmatChild(home, 'resume', runId);
    const b = dmatChild(home, 'resume', runId);
    const [ca, cb] = await Promise.all([exited(a), exited(b)]);
    const outputs = [a.output(), b.output()];
    expect([ca, cb].sort()).toEqual([0, 2]);
    const refused = outputs[[ca, cb].indexOf(2)];
    expect(refused).toMatch(new RegExp(`run ${runId} is already running \\(pid \\d+`));
    // The run's header may come first (the job refused the lease after starting); the failure
    // itself is one line, and no stack trace.
    expect(refused.split('\n').filter((l) => l.startsWith('dmat resume:'))).toHaveLength(1);
    expect(refused).not.toMatch(/\n\s+at /);
    withStore(home, (s) => {
      const run = s.runs.get(runId);
      expect(run.status).toBe('done');
      const steps = s.runMetrics.list(runId, { scope: 'step', names: ['loss'] }).map((p) => p.step);
      expect(new Set(steps).size).toBe(steps.length);
    });
  });
});
