/**
 * Every command's failure ends in one line and a documented exit code, in a real process as a
 * shell sees it: 2 for bad input, 3 when the environment fails (a read-only or full $DMAT_HOME).
 * Any output line that looks like a stack frame fails the test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/main/cli/commands/index';

const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'dmat-cli-failures-'));
const home = join(work, 'home');
const readOnlyHome = join(work, 'read-only');
const fullHome = join(work, 'full');
const STACK_FRAME = /^\s+at |node:internal|^\w*Error: /m;

function dmat(h: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dmat.mjs'), ...args], {
    env: { ...process.env, DMAT_HOME: h },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small file system of our own for the home: read-only, or nearly full. */
function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0)
    throw new Error(`mounting a tmpfs at ${dir} needs root (npm test runs as root in CI)`);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
}

beforeAll(() => {
  mountTmpfs(readOnlyHome, 'size=1m,ro');
  mountTmpfs(fullHome, 'size=64k');
});

afterAll(() => {
  for (const d of [readOnlyHome, fullHome]) spawnSync('umount', [d]);
  rmSync(work, { recursive: true, force: true });
});

const MISSING = join(work, 'no-such-folder');

/** One broken call of every command. */
const BROKEN: Record<string, string[]> = {
  backend: ['backend', '--bogus'],
  audit: ['audit', '--model', MISSING, '--data', 'resources/om-fashion-mnist'],
  history: ['history', '--kind', 'nonsense'],
  models: ['models', 'import', MISSING],
  datasets: ['datasets', 'import', MISSING],
  report: ['report', 'aud_000000000000', '--out', join(work, 'r.pdf')],
  generator: ['generator', 'train', '--images', MISSING, '--out', join(work, 'g')],
  dataset: ['dataset', 'info', MISSING],
  serve: ['serve', '--port', '99999'],
  train: ['train', '--method', 'nonsense', '--data', 'resources/om-fashion-mnist'],
  runs: ['runs', '--bogus'],
  resume: ['resume', 'run_000000000000'],
  worker: ['worker', '--queue', 'redis://127.0.0.1:9', '--concurrency', '0'],
};

describe('every command fails in one line', { timeout: 300_000 }, () => {
  it('has a broken call for each command', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(commands.map((c) => c.name).sort());
  });

  for (const [name, argv] of Object.entries(BROKEN)) {
    it(`dmat ${name}: exit 2, one line, no stack trace`, () => {
      const r = dmat(home, ...argv);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^dmat ${name}: \\S`));
      expect(`${r.stdout}\n${r.stderr}`).not.toMatch(STACK_FRAME);
    });
  }

  it('an unknown command is one line too', () => {
    const r = dmat(home, 'nonsense');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('dmat: unknown command "nonsense" (dmat help lists the commands)');
  });
});

describe('a home the app cannot write', { timeout: 300_000 }, () => {
  const train = ['train', '--method', 'normal', '--data', 'resources/om-fashion-mnist'];
  const audit = [
    'audit',
    '--model',
    'resources/models/normal',
    '--data',
    'resources/om-fashion-mnist',
  ];
  for (const [what, h, reason] of [
    ['read-only', readOnlyHome, /read-only file system/],
    ['full', fullHome, /full|no space left/],
  ] as const) {
    for (const argv of [['history'], audit, train]) {
      it(`${what}: dmat ${argv[0]} ends with exit 3 and one line, writing nothing`, () => {
        const r = dmat(h, ...argv);
        expect(r.code, r.stderr).toBe(3);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^dmat ${argv[0]}: cannot open the database`));
        expect(lines[0]).toMatch(reason);
        expect(`${r.stdout}\n${r.stderr}`).not.toMatch(STACK_FRAME);
        // Nothing half-written: no database, no temporary files, no folders.
        const left = existsSync(h) ? readdirSync(h).filter((f) => f !== 'lost+found') : [];
        expect(left.filter((f) => !/^dmat\.sqlite(-wal|-shm)?$/.test(f))).toEqual([]);
      });
    }
  }
});
