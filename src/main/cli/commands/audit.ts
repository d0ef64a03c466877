/** `dmat audit`: run an attack suite against a classifier in a job process and report it. */
import { parseArgs } from 'node:util';
import type { AuditDetail, BudgetInfo, JobEvent, SweepCurve } from '../../../shared/api';
import { createApi } from '../../api/index';
import { readSuiteFile, resolveSuite } from '../../engine/audit/suites';
import { formatPixels } from '../../engine/attacks/presets';
import { attackNotes } from '../../engine/report/load/sanity';
import { EXIT, UserError, type CliCommand } from '../command';
import { numberFlag } from '../flags';
import { createProgressDisplay } from '../progress';
import { pct, renderTable } from '../table';
import { formatCount } from '../../../shared/limits';
import {
  accuracyInterval,
  formatInterval,
  wideIntervalNote,
  wilsonInterval,
} from '../../../shared/interval';

const USAGE = `usage: dmat audit --model M --data D [--suite paper|quick|reliable|NAME|FILE.json] [options]
       dmat audit --resume AUDIT_ID [--fail-under ACC] [--json]

Runs every attack of the suite over the samples, stores per-attack accuracy, per-sample outcomes
and the per-sample worst case in SQLite, and prints a table (budgets with their units).
  --model M          library id or name, or a model folder (registered on first use)
  --data D           library id or name, or a dataset folder
  --suite S          built-in suite, a suite name (resources/suites, $DMAT_HOME/suites) or a
                     JSON suite file (default quick)
  --budgets B        dataset (default: a built-in suite takes the dataset's manifest
                     threatModel, e.g. ε = 0.1 px, η = 0.5 on OM-Fashion-MNIST) or preset
                     (the paper's ImageNet budgets, ε = 4/255 px, η = 0.02 latent)
  --resume ID        continue an interrupted or cancelled audit from the batches it finished
                     (same per-sample outcomes as an audit that ran through)
  --samples N        audit N class-balanced samples of the split (default: all)
  --split NAME       dataset split (default test)
  --images KIND      on-manifold (g(w), default when the data has latents) or natural (x)
  --batch N          batch size (default 100)
  --seed N           seed for sample choice and random starts (default 0)
  --workers N        split the samples over N job processes (same results as one;
                     default: one per core on wasm/cpu, at most 4 and one per batch)
  --queue URL        spread the batches over \`dmat worker\` processes through Redis
                     (redis://[:password@]host:port[/db]); --workers is then the number of
                     shards (default 16, at most one per batch); results are stored here
  --queue-backend B  only workers on backend B (wasm, cpu, tensorflow) take the shards, for
                     outcomes bit-identical to a local audit
  --gallery K        gallery examples kept per attack (default 4)
  --fail-under ACC   exit 1 when the worst-case accuracy is below ACC (0.4 or 40%)
  --json             print the stored audit as JSON on stdout
Exit codes: 0 ok, 1 worst case below --fail-under, 2 bad input, 3 environment failed
(disk, database, job process), 4 internal error. Ctrl+C cancels; --resume continues.`;

/** "0.4", "40%" or "40" (percent when > 1) → fraction in [0,1]. */
export function parseThreshold(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(v);
  if (!m) throw new UserError(`--fail-under must be an accuracy such as 0.4 or 40%, got "${v}"`);
  const x = Number(m[1]);
  const frac = m[2] === '%' || x > 1 ? x / 100 : x;
  if (frac > 1) throw new UserError(`--fail-under must be at most 100%, got "${v}"`);
  return frac;
}

/** "ε = 4/255 ≈ 0.0157 [0,1] px, α = 1/255 ≈ 0.00392, 50 steps" */
export function formatBudget(b: BudgetInfo): string {
  const latent = b.unit === 'latent';
  const num = (v: number) =>
    b.unit === 'pixel [0,1]' ? formatPixels(v) : `${Number(v.toPrecision(4))}`;
  const unit = latent ? 'latent' : b.unit === 'pixel [0,1]' ? '[0,1] px' : '(attack units)';
  const norm = b.norm === 'linf' ? 'L∞' : b.norm === 'l2' ? 'L2' : b.norm === 'l1' ? 'L1' : b.norm;
  const parts = [`${norm} ${latent ? 'η' : 'ε'} = ${num(b.eps)} ${unit}`];
  if (b.steps !== undefined) parts.push(`${b.steps} step${b.steps === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/**
 * The result table; a "check" column appears when a sanity flag names an attack (e.g. "not
 * converged: −2.6 pts with 100 steps × 3 restarts"), beside that attack's accuracy.
 */
export function auditTable(a: AuditDetail): string {
  const flags = a.sanityFlags ?? [];
  const notes = a.attacks.map((r) => attackNotes(flags, r.key).join('; '));
  const withNotes = notes.some(Boolean);
  const standard = a.standardInterval ?? accuracyInterval(a.standardAccuracy, a.samples);
  const worst = a.worstCaseInterval ?? accuracyInterval(a.worstCaseAccuracy, a.samples);
  const intervals = a.attacks.map((r) => r.interval ?? wilsonInterval(r.correct, r.total));
  const rows = a.attacks.map((r, i) => {
    const budget = formatBudget(r.budget);
    const restarts = r.options?.restarts;
    const row = [
      r.name,
      typeof restarts === 'number' && restarts > 1 ? `${budget} × ${restarts} restarts` : budget,
      pct(r.accuracy),
      formatInterval(intervals[i]),
    ];
    return withNotes ? [...row, notes[i] ? `⚠ ${notes[i]}` : ''] : row;
  });
  const pad = withNotes ? [''] : [];
  rows.push([
    'standard (no attack)',
    '–',
    pct(a.standardAccuracy),
    formatInterval(standard),
    ...pad,
  ]);
  rows.push([
    'worst case (per sample)',
    'all attacks above',
    pct(a.worstCaseAccuracy),
    formatInterval(worst),
    ...pad,
  ]);
  const table = renderTable(
    [
      { header: 'attack' },
      { header: 'budget' },
      { header: 'accuracy', align: 'right' },
      { header: '95 % interval', align: 'right' },
      ...(withNotes ? [{ header: 'check' }] : []),
    ],
    rows,
    [a.attacks.length - 1],
  );
  const lines = [table, `n = ${a.samples} samples; intervals are 95 % Wilson score intervals.`];
  const note = wideIntervalNote([standard, worst, ...intervals]);
  if (note) lines.push(note);
  return lines.join('\n');
}

/** "PGD-5 sweep (L∞, pixel [0,1]): ε 0 → 81.0 %, 0.025 → 62.4 %, …" */
export function sweepLine(c: SweepCurve): string {
  const symbol = c.unit === 'latent' ? 'η' : 'ε';
  const num = (v: number) => `${Number(v.toPrecision(3))}`;
  const norm = c.norm === 'linf' ? 'L∞' : c.norm === 'l2' ? 'L2' : c.norm;
  const points = c.points.map((p) => `${num(p.eps)} → ${pct(p.accuracy)}`).join(', ');
  return `${c.name} sweep (${norm}, ${c.unit}): ${symbol} ${points}`;
}

/** A suite file named on the command line, its presets checked here so errors name the file. */
async function readSuiteArg(file: string) {
  const definition = await readSuiteFile(file);
  resolveSuite(definition, [28, 28, 1], file);
  return definition;
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'audit a classifier against an attack suite; per-attack and worst-case accuracy',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        suite: { type: 'string', default: 'quick' },
        samples: { type: 'string' },
        split: { type: 'string', default: 'test' },
        images: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        queue: { type: 'string' },
        'queue-backend': { type: 'string' },
        gallery: { type: 'string' },
        'fail-under': { type: 'string' },
        json: { type: 'boolean', default: false },
        resume: { type: 'string' },
        budgets: { type: 'string' },
      },
    });
    if (!values.resume && !values.model) throw new UserError('--model is required');
    if (!values.resume && !values.data) throw new UserError('--data is required');
    if (values.split !== 'test' && values.split !== 'train') {
      throw new UserError(`--split must be test or train, got "${values.split}"`);
    }
    if (values.images && values.images !== 'on-manifold' && values.images !== 'natural') {
      throw new UserError(`--images must be on-manifold or natural, got "${values.images}"`);
    }
    if (values.budgets && values.budgets !== 'dataset' && values.budgets !== 'preset') {
      throw new UserError(`--budgets must be dataset or preset, got "${values.budgets}"`);
    }
    const failUnder = values['fail-under'] ? parseThreshold(values['fail-under']) : undefined;
    // The CLI reads a suite file the user names; the API takes suites by name or inline only.
    const suiteArg = values.suite!;
    const isFile = suiteArg.endsWith('.json') || /[\\/]/.test(suiteArg);
    const input = {
      modelId: values.model ?? '',
      datasetId: values.data ?? '',
      suite: isFile && !values.resume ? await readSuiteArg(suiteArg) : suiteArg,
      split: values.split as 'test' | 'train',
      images: values.images as 'on-manifold' | 'natural' | undefined,
      samples: numberFlag(values.samples, '--samples', { integer: true, min: 1 }),
      batchSize: numberFlag(values.batch, '--batch', { integer: true, min: 1 }),
      seed: numberFlag(values.seed, '--seed', { integer: true, min: 0 }),
      workers: numberFlag(values.workers, '--workers', { integer: true, min: 1 }),
      ...(values.queue ? { queue: values.queue } : {}),
      ...(values['queue-backend']
        ? { queueBackend: values['queue-backend'] as 'wasm' | 'cpu' | 'tensorflow' }
        : {}),
      galleryPerAttack: numberFlag(values.gallery, '--gallery', { integer: true, min: 0 }),
      budgets: values.budgets as 'dataset' | 'preset' | undefined,
    };

    const api = createApi();
    const display = createProgressDisplay('audit');
    let cancelled = false;
    try {
      const ref = values.resume
        ? await api.resumeAudit({ id: values.resume })
        : await api.startAudit(input);
      if (ref.gradientEvaluations !== undefined) {
        display.log(
          `planned work: ${formatCount(ref.gradientEvaluations)} image-gradient evaluations (audit ${ref.targetId})`,
        );
      }
      const job = api.runner.get(ref.jobId)!;
      api.onJobEvent((e: JobEvent) => {
        if (e.jobId !== ref.jobId) return;
        if (e.type === 'progress') display.update(e.progress);
      });
      const onSigint = () => {
        cancelled = true;
        display.log('cancelling…');
        void job.cancel();
      };
      process.once('SIGINT', onSigint);
      try {
        await job.done;
      } catch (err) {
        display.stop();
        if (cancelled) {
          console.error(`dmat audit: audit ${ref.targetId} cancelled`);
          const partial = await api.getAudit({ id: ref.targetId }).catch(() => undefined);
          if (partial && partial.attacks.length > 0) {
            console.error(`partial result (${partial.error ?? 'cancelled'}):`);
            console.error(auditTable(partial));
          }
          return 130;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      display.stop();
      const audit = await api.getAudit({ id: ref.targetId });
      if (values.json) {
        console.log(JSON.stringify({ audit, jobId: ref.jobId }, null, 2));
      } else {
        console.log(
          `audit ${audit.id}: ${audit.modelName} on ${audit.datasetName} (${audit.split}, ${audit.images} images), ` +
            `suite ${audit.suiteName}, ${audit.samples} samples, seed ${audit.seed}, backend ${audit.backend}`,
        );
        console.log(auditTable(audit));
        for (const c of audit.curves) console.log(sweepLine(c));
        for (const f of audit.sanityFlags) console.log(`${f.severity}: ${f.message}`);
        console.log(
          `stored in ${api.store.path} (${((audit.durationMs ?? 0) / 1000).toFixed(1)} s)`,
        );
      }
      if (failUnder !== undefined && (audit.worstCaseAccuracy ?? 0) < failUnder) {
        console.error(
          `dmat audit: worst-case accuracy ${pct(audit.worstCaseAccuracy)} is below --fail-under ${pct(failUnder)}`,
        );
        return EXIT.gateFailed;
      }
      return EXIT.ok;
    } finally {
      display.stop();
      await api.close();
    }
  },
};
