/**
 * The browser mode end to end, as a new user would use it: `dmat serve` with an empty data
 * folder, headless Chromium, the embedded default dataset and classifiers. Imports a model,
 * audits it, starts a short DMAT run from the wizard and watches its chart grow. Saves a
 * screenshot of every screen under tests/e2e/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AuditDetail, ModelInfo } from '../../src/shared/api';
import { formatInterval, wilsonInterval } from '../../src/shared/interval';
import { sanityChecklist } from '../../src/shared/sanity-checklist';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentSecurityPolicy, metaPolicy, readMetaPolicy } from '../../src/main/web/csp';
import {
  launchBrowser,
  ROOT,
  screenshot,
  SCREENSHOTS,
  startServe,
  type ServeProcess,
} from './harness';
import { modelFolderToImport, shippedModelCopy } from './model-to-import';
import { RedisServer, WorkerPool } from '../helpers/queue-harness';

/** A dataset to import before anything else (a checkout whose resources are not built yet). */
const EXTRA_DATASET = process.env.DMAT_E2E_DATASET;
/** axe-core's browser build, evaluated in the page for the accessibility checks. */
const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

let serve: ServeProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Set while a step provokes a refusal on purpose (HTTP 409), which the browser logs. */
let expectedConflict = false;

/** Calls the API over HTTP with the token, to check what the page shows against the store. */
async function apiCall<T>(name: string, input: unknown): Promise<T> {
  const token = new URL(serve.url).hash.replace('#token=', '');
  const res = await fetch(`${serve.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message);
  return body.value;
}

beforeAll(async () => {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  serve = await startServe();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Nothing the page does may log an error (a failed request shows up here too).
  // A refused call names itself here (the console line does not say which call it was).
  page.on('response', (r) => {
    if (r.status() >= 400 && !(expectedConflict && r.status() === 409)) {
      pageErrors.push(`HTTP ${r.status()} from ${new URL(r.url()).pathname}`);
    }
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectedConflict && m.text().includes('409')) return;
    pageErrors.push(`console: ${m.text()}`);
  });
  // Anything the Content-Security-Policy blocks (an eval, an inline style element, a stray
  // connection) is recorded, and must not happen anywhere in the tour.
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(
        `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      ),
    );
  });
  await page.goto(serve.url);
}, 240_000);

// A failing step leaves a picture of the page behind.
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-${ctx.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('DMAT Studio in the browser', { timeout: 240_000 }, () => {
  it('opens on the library with the embedded default present', async () => {
    if (EXTRA_DATASET) {
      await page.getByTestId('import-dataset').click();
      await page.getByTestId('import-path').fill(EXTRA_DATASET);
      await page.getByTestId('import-name').fill('om-fashion-mnist (e2e)');
      await page.getByTestId('import-submit').click();
    }
    await page
      .getByTestId('dataset-table')
      .getByText('om-fashion-mnist', { exact: false })
      .first()
      .waitFor({ timeout: 90_000 });
    // The access token left the address bar once read.
    expect(page.url()).not.toContain('token=');
  });

  it('serves the built page with one Content-Security-Policy, in its header and meta tag alike', async () => {
    const res = await fetch(`${serve.origin}/`);
    const policy = contentSecurityPolicy({ connect: [`ws://${new URL(serve.origin).host}`] });
    expect(res.headers.get('content-security-policy')).toBe(policy);
    expect(readMetaPolicy(await res.text())).toBe(metaPolicy(policy));
    // The build itself wrote the desktop app's policy (what app:// serves) into the page.
    const built = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    expect(readMetaPolicy(built)).toBe(metaPolicy(contentSecurityPolicy()));
    // The token only works from the fragment: the query-string form is refused.
    const token = new URL(serve.url).hash.replace('#token=', '');
    expect((await fetch(`${serve.origin}/?token=${token}`)).status).toBe(400);
  });

  it('imports a model folder', async () => {
    const folder = await modelFolderToImport();
    await page.getByTestId('import-model').click();
    await page.getByTestId('import-path').fill(folder);
    await page.getByTestId('import-name').fill('e2e-imported');
    await page.getByTestId('import-submit').click();
    await page.getByTestId('model-row-e2e-imported').waitFor({ timeout: 90_000 });
    // The same weights as a shipped model are not added twice: the page names the entry.
    const same = shippedModelCopy();
    if (same) {
      expectedConflict = true;
      await page.getByTestId('import-model').click();
      await page.getByTestId('import-path').fill(same);
      await page.getByTestId('import-name').fill('e2e-duplicate');
      await page.getByTestId('import-submit').click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'already in the library as' })
        .first()
        .waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('model-row-e2e-duplicate').count()).toBe(0);
      expectedConflict = false;
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    }
    await page.locator('[data-testid="dataset-table"] tbody tr').first().click();
    await page.getByTestId('dataset-detail').locator('img').first().waitFor();
    await screenshot(page, '1-library');
  });

  it('audits the imported model on the embedded data and shows the chart and the worst case', async () => {
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-model').selectOption({ label: 'e2e-imported' });
    await page.getByTestId('audit-suite').selectOption('quick');
    await page.getByTestId('audit-samples').fill('16');
    await page.getByTestId('audit-run').click();
    await page
      .getByTestId('job-progress')
      .waitFor({ timeout: 30_000 })
      .catch(() => undefined);
    await screenshot(page, '4-audit-running');
    await page
      .locator('[data-testid="audit-status"]', { hasText: 'done' })
      .waitFor({ timeout: 150_000 });
    const chart = page.getByTestId('attack-chart');
    await chart.locator('canvas').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    const worst = (await page.getByTestId('worst-case').innerText()).trim();
    expect(worst).toMatch(/^\d{1,3}\.\d\s*%$/);

    const audits = await apiCall<{ id: string }[]>('listAudits', {});
    const stored = await apiCall<AuditDetail>('getAudit', { id: audits[0].id });
    expect(stored.samples).toBe(16);
    expect(worst.replace(/\s*%$/, '')).toBe(((stored.worstCaseAccuracy ?? NaN) * 100).toFixed(1));
    // Every warning stored on an attack (e.g. not converged) is shown in that attack's row.
    const onAttacks = stored.sanityFlags.filter((f) => f.attackKey && f.severity !== 'info');
    for (const f of onAttacks) {
      // Row 0 is the clean accuracy, then one row per attack in the audit's order.
      const index = 1 + stored.attacks.findIndex((a) => a.key === f.attackKey);
      const row = page.getByTestId('attack-table').locator('tbody tr').nth(index);
      expect(await row.getByTestId('attack-flag').first().isVisible()).toBe(true);
    }
    expect(await page.getByTestId('attack-flag').count()).toBe(onAttacks.length);

    // The dataset's own threat model by default: ε = 0.1 px and η = 0.5 from its manifest.
    const pgd = stored.attacks.find((a) => a.name === 'PGD-5')!;
    expect(pgd.budget.eps).toBeCloseTo(0.1, 6);
    expect(stored.attacks.find((a) => a.name === 'OM-PGD-5')!.budget.eps).toBeCloseTo(0.5, 6);
    // Every accuracy has its 95 % interval: clean, each attack, worst case.
    const shown = await page.getByTestId('attack-table').getByTestId('interval').allInnerTexts();
    expect(shown.map((t) => t.trim())).toEqual([
      formatInterval(stored.standardInterval),
      ...stored.attacks.map((a) => formatInterval(wilsonInterval(a.correct, a.total))),
      formatInterval(stored.worstCaseInterval),
    ]);
    expect(await page.getByTestId('wide-interval-note').innerText()).toContain('16 samples');
    // The quick suite's sweep: an accuracy-vs-ε chart whose curve falls.
    await page.getByTestId('eps-chart').first().waitFor();
    const points = stored.curves[0].points;
    expect(points.length).toBe(5);
    expect(points[points.length - 1].accuracy).toBeLessThan(points[0].accuracy);
    // The screen shows the stored checklist, with the same statuses the PDF prints.
    const expected = sanityChecklist(stored).map((c) => [c.id, c.status]);
    const items = page.getByTestId('sanity-checklist').locator('li');
    const onScreen: string[][] = [];
    for (const li of await items.all()) {
      onScreen.push([
        (await li.getAttribute('data-check'))!,
        (await li.getAttribute('data-status'))!,
      ]);
    }
    expect(onScreen).toEqual(expected);
    // Per class and the confusion matrix, from the stored outcomes: every sample counted once.
    const perClassRows = page.getByTestId('per-class-table').locator('tbody tr');
    await perClassRows.first().waitFor();
    expect(await perClassRows.count()).toBe(10);
    const cells = await page.getByTestId('confusion-matrix').locator('tbody td').allInnerTexts();
    expect(cells.length).toBe(100);
    expect(cells.reduce((n, t) => n + (Number(t.trim()) || 0), 0)).toBe(16);
    await screenshot(page, '4-audit-report');

    // Export PDF: the browser mode downloads the report the engine wrote.
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByTestId('audit-export').click();
    expect((await download).suggestedFilename()).toMatch(/\.pdf$/);
  });

  it('starts a short DMAT run from the wizard and watches its chart update', async () => {
    await page.getByTestId('nav-wizard').click();
    await page.getByTestId('wizard-step-data').waitFor();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-method-dmat').click();
    await page.getByTestId('wizard-image-steps').fill('2');
    await page.getByTestId('wizard-latent-steps').fill('2');
    await screenshot(page, '2-wizard-method');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-epochs').fill('2');
    await page.getByTestId('wizard-samples').fill('64');
    await page.getByTestId('wizard-batch').fill('16');
    await page.getByTestId('wizard-validation').fill('16');
    await page.getByTestId('wizard-name').fill('e2e-dmat');
    // A gentler schedule than the paper's peak of 0.4 for so few samples.
    const rates = ['0', '0.05', '0.02', '0.01', '0.005', '0.001'];
    for (const [i, rate] of rates.entries()) await page.getByTestId(`knot-value-${i}`).fill(rate);
    await screenshot(page, '2-wizard-schedule');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-step-review').waitFor();
    await page.getByTestId('wizard-start').click();

    await page.getByTestId('run-detail').waitFor();
    const chart = page.getByTestId('loss-chart');
    await chart.waitFor({ timeout: 120_000 });
    const first = Number(await chart.getAttribute('data-points'));
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points')) >
        n,
      first,
      { timeout: 120_000 },
    );
    // Both epochs end with clean / PGD / OM-PGD accuracy on the validation subset.
    await page.getByTestId('accuracy-chart').waitFor({ timeout: 120_000 });
    await page
      .locator('[data-testid="run-status"]', { hasText: /done|failed/ })
      .waitFor({ timeout: 150_000 });
    expect(await page.getByTestId('run-status').innerText()).toBe('done');
    await page.waitForTimeout(500);
    await screenshot(page, '3-run-monitor');
    const runs = await apiCall<{ name: string; status: string }[]>('listRuns', {});
    expect(runs.find((r) => r.name === 'e2e-dmat')).toBeTruthy();
    // Leave the CPU to the rest of the test suite.
    if (await page.getByTestId('run-cancel').isVisible()) {
      await page.getByTestId('run-cancel').click();
      await page
        .locator('[data-testid="run-status"]', { hasText: /cancelled|done/ })
        .waitFor({ timeout: 30_000 });
    }
  });

  it('audits the trained model from its run ("Audit it" selects it) and compares it honestly', async () => {
    const runs = await apiCall<{ name: string; modelId: string | null }[]>('listRuns', {});
    const trained = runs.find((r) => r.name === 'e2e-dmat')!;
    expect(trained.modelId).toBeTruthy();
    // "Audit it" on the finished run opens the form on that run's classifier, not the last one used.
    await page.getByTestId('run-audit-it').click();
    await page.getByTestId('audit-form').waitFor();
    expect(await page.getByTestId('audit-model').inputValue()).toBe(trained.modelId);
    await page.getByTestId('audit-samples').fill('16');
    await page.getByTestId('audit-run').click();
    await page.getByTestId('audit-report').getByText('e2e-dmat on').waitFor();
    await page
      .locator('[data-testid="audit-status"]', { hasText: 'done' })
      .waitFor({ timeout: 150_000 });
    const boxes = page.locator('[data-testid="audit-list"] input[type="checkbox"]');
    expect(await boxes.count()).toBe(2);
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    const compare = page.getByTestId('audit-compare');
    await compare.waitFor();
    expect(await compare.locator('tbody tr').count()).toBe(2);
    // Both audits ran the quick suite on the same 16 samples: one leaderboard, best worst case first.
    const ranked = await Promise.all(
      (await apiCall<AuditDetail[]>('listAudits', {})).map((x) =>
        apiCall<AuditDetail>('getAudit', { id: x.id }),
      ),
    );
    const order = [...ranked]
      .sort(
        (x, y) =>
          (y.worstCaseAccuracy ?? 0) - (x.worstCaseAccuracy ?? 0) ||
          (y.standardAccuracy ?? 0) - (x.standardAccuracy ?? 0),
      )
      .map((x) => x.modelName);
    const boardRows = await page
      .getByTestId('leaderboard')
      .locator('tbody tr td:nth-child(2)')
      .allInnerTexts();
    expect(boardRows.map((t) => t.trim())).toEqual(order);
    // Same suite, samples and seed: the comparison says so.
    expect(await page.getByTestId('compare-sentence').innerText()).toContain(
      'same attacks, budgets and samples',
    );
    await screenshot(page, '4-audit-compare');
  });

  it('marks what differs when audits are not comparable, and a check that did not run as "not run"', async () => {
    // A custom suite of FGSM alone, on fewer samples: no sweep, so no budget check.
    await page.getByTestId('audit-model').selectOption({ label: 'e2e-imported' });
    await page.getByTestId('audit-suite').selectOption('custom');
    await page.locator('.preset-grid input[value="fgsm"]').check();
    // The suite editor: ε set in the preset's unit, checked by the engine, saved by name.
    await page.getByTestId('custom-eps-fgsm').fill('0.05');
    await page.getByTestId('custom-name').fill('e2e-fgsm');
    await page.getByTestId('custom-save').click();
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="audit-suite"]') as HTMLSelectElement)?.value ===
        'e2e-fgsm',
    );
    await page.getByTestId('audit-samples').fill('12');
    await page.getByTestId('audit-run').click();
    await page.getByTestId('audit-report').getByText('12 on-manifold images').waitFor();
    await page
      .locator('[data-testid="audit-status"]', { hasText: 'done' })
      .waitFor({ timeout: 150_000 });
    const audits = await apiCall<{ id: string }[]>('listAudits', {});
    const saved = await apiCall<AuditDetail>('getAudit', { id: audits[0].id });
    expect(saved.suiteName).toBe('e2e-fgsm');
    expect(saved.attacks.map((a) => [a.name, a.budget.eps])).toEqual([['FGSM', 0.05]]);
    const budget = page.locator('[data-testid="sanity-checklist"] li[data-check="budget"]');
    expect(await budget.getAttribute('data-status')).toBe('not-run');
    expect(await budget.innerText()).toContain('not run');
    // Compare it with the first audit (16 samples, quick): the sentence names the differences.
    const boxes = page.locator('[data-testid="audit-list"] input[type="checkbox"]');
    expect(await boxes.count()).toBe(3);
    for (const b of await boxes.all()) await b.uncheck();
    await boxes.nth(0).check();
    await boxes.nth(2).check();
    const sentence = await page.getByTestId('compare-sentence').innerText();
    expect(sentence).not.toContain('same attacks, budgets and samples');
    expect(sentence).toContain('samples (');
    expect(sentence).toContain('suite (');
    expect(await page.getByTestId('audit-compare').locator('th.differs').count()).toBeGreaterThan(
      1,
    );
    await screenshot(page, '4-audit-compare-unequal');
  });

  it('fits every screen from 1024×700 up and meets WCAG 2.1 AA (axe-core: no serious or critical violation)', async () => {
    const screens = ['library', 'wizard', 'runs', 'audit', 'history', 'workers'] as const;
    const problems: string[] = [];
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1024, height: 700 },
    ]) {
      await page.setViewportSize(size);
      for (const screen of screens) {
        await page.getByTestId(`nav-${screen}`).click();
        await page.waitForTimeout(400);
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        if (scrollWidth > innerWidth) {
          problems.push(
            `${screen} at ${size.width}×${size.height}: scrolls sideways (${scrollWidth} px > ${innerWidth} px)`,
          );
        }
        // axe-core runs in the page through the debugging protocol (outside the page's CSP).
        await page.evaluate(AXE_SOURCE);
        const violations = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (o: object) => Promise<{
                  violations: {
                    id: string;
                    impact: string;
                    help: string;
                    nodes: { target: string[] }[];
                  }[];
                }>;
              };
            }
          ).axe;
          const r = await axe.run({
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
          });
          return r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map(
              (v) =>
                `${v.id} (${v.impact}): ${v.help} — ${v.nodes
                  .slice(0, 3)
                  .map((n) => n.target.join(' '))
                  .join(', ')}`,
            );
        });
        for (const v of violations)
          problems.push(`${screen} at ${size.width}×${size.height}: ${v}`);
        await screenshot(page, `6-${screen}-${size.width}x${size.height}`);
      }
    }
    await page.setViewportSize({ width: 1400, height: 900 });
    expect(problems).toEqual([]);
  });

  it('cancels an audit at once and keeps the attacks it finished as a partial result', async () => {
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-model').selectOption({ label: 'e2e-imported' });
    await page.getByTestId('audit-suite').selectOption('paper');
    await page.getByTestId('audit-samples').fill('24');
    await page.getByTestId('audit-run').click();
    await page.getByTestId('audit-report').getByText('suite paper').waitFor();
    // Once the first attack has finished on every sample, cancel.
    await page
      .getByTestId('job-progress')
      .getByText(/attack [1-9]\d*\/12/)
      .waitFor({ timeout: 120_000 });
    const cancel = page.getByTestId('audit-cancel');
    await cancel.click();
    await page
      .locator('[data-testid="audit-status"]', { hasText: 'cancelled' })
      .waitFor({ timeout: 60_000 });
    const partial = page.getByTestId('partial-result');
    await partial.waitFor();
    expect(await partial.innerText()).toContain('of 12 attacks finished on every sample');
    expect(await partial.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('audit-resume').isEnabled()).toBe(true);
    await screenshot(page, '4-audit-partial');
  });

  it('imports a PyTorch model exported to ONNX and audits it', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('import-onnx').click();
    const prompt = page.getByTestId('import-onnx-prompt');
    await prompt
      .getByTestId('import-path')
      .fill(join(ROOT, 'resources/onnx/pytorch-fashion-cnn.onnx'));
    await prompt.getByTestId('import-name').fill('e2e-pytorch');
    // A malformed normalisation is caught before anything is sent.
    await prompt.getByTestId('import-mean').fill('0.5, x');
    expect(await prompt.getByTestId('import-submit').isDisabled()).toBe(true);
    await prompt.getByTestId('import-mean').fill('');
    await prompt.getByTestId('import-submit').click();
    await page.getByTestId('model-row-e2e-pytorch').waitFor({ timeout: 90_000 });
    // The import says what it found: this graph normalises its input itself.
    await page
      .getByRole('alert')
      .filter({ hasText: 'normalises its input itself' })
      .first()
      .waitFor({ timeout: 10_000 });
    const models = await apiCall<ModelInfo[]>('listModels', { kind: 'classifier' });
    const imported = models.find((m) => m.name === 'e2e-pytorch')!;
    expect(imported.provenance).toMatchObject({ importedFrom: 'onnx', inputLayout: 'NCHW' });

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-model').selectOption({ label: 'e2e-pytorch' });
    await page.getByTestId('audit-suite').selectOption('quick');
    await page.getByTestId('audit-samples').fill('16');
    await page.getByTestId('audit-run').click();
    await page
      .locator('[data-testid="audit-status"]', { hasText: 'done' })
      .waitFor({ timeout: 150_000 });
    const audits = await apiCall<{ id: string; modelId: string }[]>('listAudits', {});
    const stored = await apiCall<AuditDetail>('getAudit', { id: audits[0].id });
    expect(stored.modelId).toBe(imported.id);
    expect(stored.standardAccuracy).toBeGreaterThan(0.5);
    const worst = (await page.getByTestId('worst-case').innerText()).trim();
    expect(worst.replace(/\s*%$/, '')).toBe(((stored.worstCaseAccuracy ?? NaN) * 100).toFixed(1));
  });

  it('sends an audit to a queue worker set in the Workers screen, and lists the worker and its shards', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'dmat-e2e-redis-'));
    const redis = new RedisServer(redisDir, 'e2e-secret');
    await redis.start();
    const pool = new WorkerPool(redisDir, () => redis.url);
    try {
      pool.start('e2e-worker');
      await pool.ready(['e2e-worker']);
      await page.getByTestId('nav-workers').click();
      // A malformed URL is refused before it is used.
      await page.getByTestId('queue-url').fill('localhost:6379');
      expect(await page.getByTestId('queue-save').isDisabled()).toBe(true);
      await page.getByTestId('queue-url').fill(redis.url);
      await page.getByTestId('queue-save').click();
      const row = page.getByTestId('worker-e2e-worker');
      await row.waitFor({ timeout: 30_000 });
      expect(await row.innerText()).toContain('listening');

      await page.getByTestId('nav-audit').click();
      expect(await page.getByTestId('audit-runs-on').innerText()).toContain("queue's workers");
      await page.getByTestId('audit-model').selectOption({ label: 'e2e-imported' });
      await page.getByTestId('audit-suite').selectOption('quick');
      await page.getByTestId('audit-samples').fill('64');
      await page.getByTestId('audit-run').click();
      await page.getByTestId('job-workers').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('job-workers').innerText()).toMatch(
        /e2e-worker [\d.]+ images\/s/,
      );
      await screenshot(page, '7-audit-on-queue');
      await page
        .locator('[data-testid="audit-status"]', { hasText: 'done' })
        .waitFor({ timeout: 150_000 });
      const audits = await apiCall<{ id: string }[]>('listAudits', {});
      const stored = await apiCall<AuditDetail>('getAudit', { id: audits[0].id });
      expect(stored.samples).toBe(64);
      expect(pool.get('e2e-worker').log.some((l) => l.includes(`of audit ${stored.id} done`))).toBe(
        true,
      );

      await page.getByTestId('nav-workers').click();
      await page
        .getByTestId('queue-jobs')
        .getByText(stored.id)
        .first()
        .waitFor({ timeout: 10_000 });
      const done = Number((await row.locator('td').nth(3).innerText()).trim());
      expect(done).toBeGreaterThanOrEqual(1);
      await screenshot(page, '7-workers');
      // Back to this machine for the rest of the tour.
      await page.getByTestId('queue-url').fill('');
      await page.getByTestId('queue-save').click();
    } finally {
      pool.killAll();
      await redis.stop();
      rmSync(redisDir, { recursive: true, force: true });
    }
  });

  it('lists the run and the audit in the history', async () => {
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-table').getByText('e2e-dmat').first().waitFor();
    await page.getByTestId('history-search').fill('e2e-imported');
    await page.waitForTimeout(500);
    const rows = await page.locator('[data-testid="history-table"] tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(1);
    await page.getByTestId('history-search').fill('');
    await page.waitForTimeout(400);
    await screenshot(page, '5-history');
    expect(pageErrors).toEqual([]);
    expect(
      await page.evaluate(() => (window as { __cspViolations?: string[] }).__cspViolations),
    ).toEqual([]);
  });
});
