/**
 * `npm run bench [-- --quick] [-- --only id,id]`: throughput of the engine on the backend in use,
 * for the cases in bench/cases/index.ts. Prints a table and writes
 * bench/results/<backend>-<timestamp>.json. Wall time is what counts; CPU time is shown beside
 * it because on a shared machine other processes stretch wall time but not CPU time.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, initBackend } from '../src/main/engine/runtime/backend';
import { benchCases } from './cases/index';
import type { BenchCase, BenchOptions, BenchResult } from './types';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function parseArgs(argv: string[]): { opts: BenchOptions; only?: Set<string> } {
  const only = argv.find((a) => a.startsWith('--only'));
  const onlyValue = only?.includes('=') ? only.split('=')[1] : argv[argv.indexOf('--only') + 1];
  return {
    opts: { quick: argv.includes('--quick') },
    only: only ? new Set(onlyValue.split(',')) : undefined,
  };
}

async function measure(c: BenchCase, opts: BenchOptions, backend: string): Promise<BenchResult> {
  const bench = await c.setup(opts);
  try {
    const warmup = c.warmup?.(opts) ?? (opts.quick ? 1 : 2);
    const repeats = c.repeats?.(opts) ?? (opts.quick ? 2 : 5);
    for (let i = 0; i < warmup; i++) await bench.run();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await bench.run();
      wall.push(performance.now() - t0);
      const d = process.cpuUsage(cpu0);
      cpu.push((d.user + d.system) / 1000);
    }
    const images = c.imagesPerRun(opts);
    const steps = c.stepsPerRun(opts);
    const ms = median(wall);
    const note = bench.note?.(ms / steps);
    return {
      id: c.id,
      metric: c.metric.replace(' N ', ` ${images.toLocaleString('en')} `),
      backend,
      imagesPerSecond: images / (ms / 1000),
      msPerStep: ms / steps,
      cpuMsPerStep: median(cpu) / steps,
      runsMs: wall,
      imagesPerRun: images,
      stepsPerRun: steps,
      ...(note ? { note } : {}),
    };
  } finally {
    bench.dispose();
  }
}

function table(rows: BenchResult[]): string {
  const head = ['metric', 'images/s', 'ms/step', 'cpu ms/step', 'backend'];
  const body = rows.map((r) => [
    r.metric,
    r.imagesPerSecond.toFixed(1),
    r.msPerStep.toFixed(1),
    r.cpuMsPerStep.toFixed(1),
    r.backend,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { opts, only } = parseArgs(process.argv.slice(2));
  const report = await initBackend();
  const backend = report.backend;
  console.log(describeBackend(report));
  const cores = availableParallelism();
  console.log(
    `machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const cases = benchCases.filter((c) => !only || only.has(c.id));
  const results: BenchResult[] = [];
  for (const c of cases) {
    const before = tf.memory().numTensors;
    const r = await measure(c, opts, backend);
    results.push(r);
    console.log(
      `  ${r.id}: ${r.imagesPerSecond.toFixed(1)} images/s, ${r.msPerStep.toFixed(1)} ms/step`,
    );
    if (tf.memory().numTensors !== before) {
      console.warn(`  warning: ${c.id} left ${tf.memory().numTensors - before} tensors behind`);
    }
  }
  console.log(`\n${table(results)}\n`);
  for (const r of results) if (r.note) console.log(`${r.id}: ${r.note}`);
  const loadAfter = loadavg();
  const out = {
    date: new Date().toISOString(),
    backend,
    provider: report.provider,
    details: report.details,
    cores,
    cpu: cpus()[0]?.model,
    loadAverageAfter: loadAfter,
    node: process.version,
    quick: opts.quick,
    results,
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${backend}-${out.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`written: ${file}`);
}

await main();
