import Database from 'better-sqlite3';
import { accuracyInterval, wilsonInterval } from '../../src/shared/interval';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditDetail, HistoryPage } from '../../src/shared/api';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { auditFixture, type AuditFixture } from '../helpers/audit-fixtures';

const home = mkdtempSync(join(tmpdir(), 'dmat-cli-'));
let fx: AuditFixture;

function dmat(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/dmat.mjs', ...args], {
    env: { ...process.env, DMAT_HOME: home },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await initBackend();
  fx = await auditFixture();
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('dmat audit', () => {
  it('prints per-attack and worst-case accuracy as JSON, stores every row, and gates', () => {
    const r = dmat(
      'audit',
      '--model',
      fx.classifierFolder,
      '--data',
      fx.datasetFolder,
      '--suite',
      'quick',
      '--samples',
      '32',
      '--batch',
      '16',
      '--json',
      '--fail-under',
      '100%',
    );
    const { audit } = JSON.parse(r.stdout) as { audit: AuditDetail };
    expect(audit.status).toBe('done');
    expect(audit.samples).toBe(32);
    expect(audit.attacks.map((a) => a.name)).toEqual(['FGSM', 'PGD-5', 'OM-PGD-5']);
    expect(audit.attacks.map((a) => a.budget.unit)).toEqual([
      'pixel [0,1]',
      'pixel [0,1]',
      'latent',
    ]);
    // Every accuracy carries its 95 % Wilson interval and n in --json.
    for (const a of audit.attacks) {
      expect(a.interval).toEqual(wilsonInterval(a.correct, a.total));
      expect(a.interval!.n).toBe(32);
    }
    expect(audit.standardInterval).toEqual(accuracyInterval(audit.standardAccuracy, 32));
    expect(audit.worstCaseInterval).toEqual(accuracyInterval(audit.worstCaseAccuracy, 32));
    expect(audit.worstCaseAccuracy).toBeLessThanOrEqual(
      Math.min(audit.standardAccuracy!, ...audit.attacks.map((a) => a.accuracy)),
    );
    // Worst case below 100 %: the gate fails with exit code 1, results are stored anyway.
    expect(audit.worstCaseAccuracy).toBeLessThan(1);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/worst-case accuracy .* is below --fail-under 100.0 %/);
    // Progress went to stderr as plain lines (not a TTY).
    // One line per phase; the share of the whole audit grows to 100 % with the last one.
    expect(r.stderr).toMatch(/\[audit\] OM-PGD-5: \d+\/32 samples · attacks 2\/3/);
    expect(r.stderr).toMatch(/: 32\/32 samples · attacks 3\/3 · 100 % of the audit/);
    const shares = [...r.stderr.matchAll(/(\d+) % of the audit/g)].map((m) => Number(m[1]));
    expect(shares).toEqual([...shares].sort((x, y) => x - y));

    const db = new Database(join(home, 'dmat.sqlite'), { readonly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get(audit.id) as { n: number }).n;
      expect(count('SELECT COUNT(*) AS n FROM attack_results WHERE audit_id = ?')).toBe(3);
      expect(count('SELECT COUNT(*) AS n FROM audit_samples WHERE audit_id = ?')).toBe(32);
      expect(count('SELECT COUNT(*) AS n FROM sample_outcomes WHERE audit_id = ?')).toBe(96);
      // Independent recount of the worst case from the stored rows.
      const robust = count(
        `SELECT COUNT(*) AS n FROM audit_samples s WHERE s.audit_id = ? AND s.clean_correct = 1
         AND NOT EXISTS (SELECT 1 FROM sample_outcomes o WHERE o.audit_id = s.audit_id
           AND o.sample_index = s.sample_index AND o.correct = 0)`,
      );
      expect(audit.worstCaseAccuracy).toBeCloseTo(robust / 32, 12);
      const fgsm = db
        .prepare(
          `SELECT accuracy, eps, unit, options FROM attack_results
           WHERE audit_id = ? AND attack_key = 'FGSM'`,
        )
        .get(audit.id);
      // The quick suite's FGSM is plain FGSM, and the stored row says so.
      expect(fgsm).toEqual({
        accuracy: audit.attacks[0].accuracy,
        eps: 4 / 255,
        unit: 'pixel [0,1]',
        options: JSON.stringify({ randomStart: false }),
      });
    } finally {
      db.close();
    }

    const history = JSON.parse(dmat('history', '--json').stdout) as HistoryPage;
    expect(history.entries.map((e) => e.id)).toContain(audit.id);
    const models = dmat('models');
    expect(models.code).toBe(0);
    expect(models.stdout).toContain('audit-fixture-mlp');
  });

  it('answers bad input with one clear line and exit code 2', () => {
    const suite = join(home, 'suite.json');
    writeFileSync(suite, JSON.stringify({ name: 'mine', attacks: [{ preset: 'pgd-500' }] }));
    const cases: [string[], RegExp][] = [
      [['--suite', 'nosuch'], /unknown suite "nosuch"/],
      [['--suite', suite], /suite\.json: attacks\.0\.preset: unknown attack preset "pgd-500"/],
      [['--samples', '0', '--fail-under', '50%'], /--samples must be an integer ≥ 1, got "0"/],
    ];
    for (const [extra, message] of cases) {
      const r = dmat('audit', '--model', fx.classifierFolder, '--data', fx.datasetFolder, ...extra);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = dmat('audit', '--model', join(home, 'no-model'), '--data', fx.datasetFolder);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no model ".*no-model" in the library and no such folder/);
  });
});
