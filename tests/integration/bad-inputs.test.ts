/**
 * Every case of the bad-input corpus (tests/corpus/bad-inputs.ts) through the command line as a
 * user types it: the documented exit code, one line naming the file and the field, no stack
 * trace, no row added anywhere, and the canary outside the folders never read into $DMAT_HOME.
 * Then the same refusals over the API, as the page (or anything holding its token) would call it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/api/index';
import { main } from '../../src/main/cli';
import { openStore } from '../../src/main/store/index';
import { databasePath } from '../../src/main/store/paths';
import { buildCorpus, CANARY, type CorpusCase } from '../corpus/bad-inputs';

const work = mkdtempSync(join(tmpdir(), 'dmat-corpus-'));
const home = join(work, 'home');
let corpus: { cases: CorpusCase[]; canary: string };
const savedHome = process.env.DMAT_HOME;

async function dmat(argv: string[]) {
  const lines: string[] = [];
  const capture =
    (stream: 'out' | 'err') =>
    (...args: unknown[]) =>
      lines.push(...`${stream}:${args.map(String).join(' ')}`.split('\n'));
  const saved = { log: console.log, error: console.error, warn: console.warn };
  console.log = capture('out');
  console.error = capture('err');
  console.warn = capture('err');
  try {
    const code = await main(argv);
    return {
      code,
      stderr: lines.filter((l) => l.startsWith('err:')).map((l) => l.slice(4)),
      all: lines,
    };
  } finally {
    Object.assign(console, saved);
  }
}

const TABLES = ['models', 'datasets', 'audits', 'jobs', 'leases', 'audit_batches', 'reports'];

function rowCounts(): Record<string, number> {
  const s = openStore(databasePath(home));
  try {
    return Object.fromEntries(
      TABLES.map((t) => [
        t,
        (s.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n,
      ]),
    );
  } finally {
    s.close();
  }
}

/** Files under `dir` whose bytes contain the canary. */
function filesWithCanary(dir: string): string[] {
  const hits: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hits.push(...filesWithCanary(p));
    else if (e.isFile() && statSync(p).size < 512 * 1024 ** 2 && readFileSync(p).includes(CANARY))
      hits.push(p);
  }
  return hits;
}

const STACK_FRAME = /^\s+at .+\(|^\s+at \/|^\s*Error: |node:internal/;

beforeAll(async () => {
  process.env.DMAT_HOME = home;
  corpus = await buildCorpus(join(work, 'corpus'));
  // The embedded defaults register on first use: do that before counting rows.
  expect((await dmat(['models', 'list'])).code).toBe(0);
}, 300_000);

afterAll(() => {
  process.env.DMAT_HOME = savedHome;
  rmSync(work, { recursive: true, force: true });
});

describe('the bad-input corpus through the command line', { timeout: 300_000 }, () => {
  it('has a case for every class of bad input', () => {
    const names = corpus.cases.map((c) => c.name).join('\n');
    for (const k of [
      'weights-dotdot',
      'weights-absolute',
      'weights-symlink',
      'weightless',
      'partly-weighted',
      'array-dotdot',
      'array-symlink',
      'generator-dotdot',
      'generator-weights-out',
      'labels-out-of-range',
      'checksum-mismatch',
      'steps over the cap',
      'over the cost cap',
    ])
      expect(names).toContain(k);
  });

  it('refuses each with its exit code and one line naming the file and field, changing nothing', async () => {
    const failures: string[] = [];
    for (const c of corpus.cases) {
      const before = rowCounts();
      const r = await dmat(c.argv);
      const refusal = r.stderr.join('\n');
      const why = (msg: string) =>
        failures.push(`${c.name}: ${msg}\n  got (${r.code}): ${refusal}`);
      if (r.code !== c.code) why(`exit code ${r.code}, expected ${c.code}`);
      if (c.code !== 0) {
        if (r.stderr.length !== 1) why(`${r.stderr.length} lines on stderr`);
        if (!c.message.test(refusal)) why(`message does not match ${c.message}`);
        if (!refusal.startsWith(`dmat ${c.argv[0]}: `)) why('not in the "dmat <command>: …" form');
        const after = rowCounts();
        if (JSON.stringify(after) !== JSON.stringify(before))
          why(`rows changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      } else if (!c.message.test(r.all.join('\n'))) why(`output does not match ${c.message}`);
      if (r.all.some((l) => STACK_FRAME.test(l.slice(4)))) why('a stack trace was printed');
      if (refusal.includes(CANARY)) why('the refusal quotes a file’s contents');
    }
    expect(failures).toEqual([]);
    expect(filesWithCanary(home)).toEqual([]);
  });

  it('imports the same folder after fixing it (a refusal left nothing that says "already there")', async () => {
    const broken = corpus.cases.find((c) => c.name === 'model: nan-weights')!;
    expect((await dmat(broken.argv)).code).toBe(2);
    const good = join(work, 'corpus', 'models', 'weights-dotdot');
    // The same folder, mended: its weights are back where model.json says.
    const mended = readFileSync(join(good, 'model.json'), 'utf8').replace(
      '../../outside/canary.bin',
      'weights.bin',
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(good, 'model.json'), mended);
    const r = await dmat(['models', 'import', good]);
    expect(r.code, r.stderr.join('\n')).toBe(0);
  });
});

describe('files named over the API are never read or written', { timeout: 120_000 }, () => {
  it('takes suites by name or inline only, and writes reports only into $DMAT_HOME/reports', async () => {
    const api = createApi({ home });
    try {
      const before = rowCounts();
      for (const suite of [corpus.canary, '/etc/shadow', '../outside/canary.bin', 'C:\\x.json']) {
        const err = await api
          .startAudit({ modelId: 'om-fashion-mnist-normal', datasetId: 'om-fashion-mnist', suite })
          .then(
            () => undefined,
            (e: { code: string; message: string }) => e,
          );
        expect(err?.code).toBe('invalid-input');
        expect(err?.message).toMatch(/suite/);
        expect(err?.message).not.toContain(CANARY);
      }
      const report = await api
        .exportReport({
          auditIds: ['aud_x'],
          format: 'pdf',
          outPath: join(work, 'anywhere.pdf'),
        } as never)
        .then(
          () => undefined,
          (e: { code: string; message: string }) => e,
        );
      expect(report?.code).toBe('invalid-input');
      expect(report?.message).toMatch(/outPath/);
      expect(rowCounts()).toEqual(before);
      expect(filesWithCanary(home)).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
