/**
 * `npm test`: the whole suite on any Debian machine where `npm ci` worked.
 *
 * 1. Makes sure the machine has what the tests need (scripts/test-prerequisites.ts): installs the
 *    missing Debian packages when it can (as root or with passwordless sudo), and otherwise stops
 *    before any test with one line per missing thing saying how to get it.
 *    DMAT_TEST_INSTALL=0 never installs.
 * 2. Runs vitest (arguments after `--` pass through, e.g. `npm test -- tests/unit/npy`).
 * 3. Lists every test that did not run, with its reason, and fails the run if there is one: a
 *    skipped test is a check that was not made. With a filter (file or -t pattern), tests left out
 *    by the filter are counted but do not fail the run.
 * 4. Ends with the counts, alone on the last line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestSummary } from '../tests/reporters/summary';
import { aptInstaller, missingPrerequisites, type Prerequisite } from './test-prerequisites';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXIT_TESTS_FAILED = 1;
const EXIT_MACHINE_NOT_READY = 2;

function say(line: string): void {
  process.stderr.write(`npm test: ${line}\n`);
}

function refuse(missing: Prerequisite[], why: string): never {
  for (const p of missing) {
    const alt = p.override ? `, or set ${p.override}` : '';
    say(
      `${p.name} is missing (looked for ${p.lookedFor}; needed by ${p.neededBy}): ` +
        `install it with \`sudo apt-get install ${p.debianPackage}\`${alt}`,
    );
  }
  say(`not installing them myself: ${why}; no test was run`);
  process.exit(EXIT_MACHINE_NOT_READY);
}

function ensurePrerequisites(): void {
  const missing = missingPrerequisites();
  if (missing.length === 0) return;
  if (process.env.DMAT_TEST_INSTALL === '0') refuse(missing, 'DMAT_TEST_INSTALL=0');
  const apt = aptInstaller();
  if (!apt.command) refuse(missing, apt.why);
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  say(`installing the Debian packages the tests need: ${packages.join(' ')} (once per machine)`);
  const log = path.join(tmpdir(), 'dmat-test-apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...apt.command, 'apt-get', ...args];
    const r = spawnSync(cmd, rest, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
    return r.status === 0;
  };
  const started = Date.now();
  const ok =
    run(['update', '-qq']) && run(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  const still = missingPrerequisites();
  if (!ok || still.length > 0) {
    say(`apt-get could not install ${packages.join(' ')} (its output is in ${log})`);
    refuse(still.length > 0 ? still : missing, 'apt-get failed');
  }
  say(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function vitest(args: string[], summaryFile: string): Promise<number> {
  const bin = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const reporter = path.join(ROOT, 'tests', 'reporters', 'summary.ts');
  const child = spawn(
    process.execPath,
    [bin, 'run', '--reporter=default', `--reporter=${reporter}`, ...args],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, DMAT_TEST_SUMMARY: summaryFile } },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? EXIT_TESTS_FAILED)));
}

function readSummary(file: string): TestSummary | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TestSummary;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  ensurePrerequisites();
  const dir = mkdtempSync(path.join(tmpdir(), 'dmat-test-'));
  const summaryFile = path.join(dir, 'summary.json');
  const started = Date.now();
  const code = await vitest(args, summaryFile);
  const summary = readSummary(summaryFile);
  rmSync(dir, { recursive: true, force: true });
  if (!summary) {
    say('vitest ended without a summary (see its output above)');
    process.exit(code || EXIT_TESTS_FAILED);
  }
  const filtered = args.length > 0;
  const unexplained = summary.skipped.filter((s) => s.note || !filtered);
  for (const s of unexplained)
    say(`not run: ${s.file} › ${s.name}${s.note ? ` — ${s.note}` : ' (skipped without a reason)'}`);
  for (const f of summary.brokenFiles) say(`failed to run: ${f}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  const failedRun = code !== 0 || summary.failed > 0 || summary.brokenFiles.length > 0;
  if (unexplained.length > 0 && !failedRun)
    say('a test that did not run is a check that was not made: this run fails');
  const broken = summary.brokenFiles.length;
  const files = broken > 0 ? `, ${broken} file${broken > 1 ? 's' : ''} failed to run` : '';
  console.log(
    `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped.length} skipped${files} (${seconds} s)`,
  );
  process.exit(failedRun || unexplained.length > 0 ? EXIT_TESTS_FAILED : 0);
}

await main();
