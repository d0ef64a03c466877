/**
 * Live progress for CLI commands: a cli-progress bar on a terminal (phase, samples done,
 * attacks done, images/s, ETA), plain throttled lines otherwise (logs and CI). Always on
 * stderr, so `--json` output on stdout stays clean.
 */
import cliProgress from 'cli-progress';
import type { JobProgress } from '../../shared/api';

export interface ProgressDisplay {
  update(p: JobProgress): void;
  /** Print a line without tearing the bar. */
  log(line: string): void;
  stop(): void;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "PGD-50: 128/500 samples · attacks 1/4 · 85.3 img/s · ETA 1m 20s" */
export function describeProgress(p: JobProgress): string {
  const parts = [`${p.phase}: ${p.done}/${p.total} ${p.unit}`];
  if (p.attacksTotal !== undefined) parts.push(`attacks ${p.attacksDone ?? 0}/${p.attacksTotal}`);
  if (p.overall !== undefined) parts.push(`${Math.floor(100 * p.overall)} % of the audit`);
  if (p.epochs !== undefined) parts.push(`epoch ${p.epoch ?? 0}/${p.epochs}`);
  if (p.imagesPerSecond !== undefined) parts.push(`${p.imagesPerSecond.toFixed(1)} img/s`);
  parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  if (p.workers?.length) parts.push(describeWorkers(p));
  return parts.join(' · ');
}

/** "workers w1 12.3, w2 11.8 img/s" */
export function describeWorkers(p: JobProgress): string {
  if (!p.workers?.length) return '';
  return `workers ${p.workers.map((w) => `${w.name} ${w.imagesPerSecond.toFixed(1)}`).join(', ')} img/s`;
}

export function createProgressDisplay(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  opts: { plainEveryMs?: number } = {},
): ProgressDisplay {
  if (!stream.isTTY) {
    let last = 0;
    let lastPhase = '';
    return {
      update(p) {
        const now = Date.now();
        const finished = p.total > 0 && p.done >= p.total;
        if (p.phase !== lastPhase || finished || now - last >= (opts.plainEveryMs ?? 2000)) {
          stream.write(`[${label}] ${describeProgress(p)}\n`);
          last = now;
          lastPhase = p.phase;
        }
      },
      log: (line) => void stream.write(`${line}\n`),
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {phase} |{bar}| {value}/{total} {unit} · attacks {attacks} · {ips} img/s · ETA {remaining}{workers}`,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (p: JobProgress) => ({
    phase: p.phase.padEnd(12).slice(0, 24),
    unit: p.unit,
    attacks: p.attacksTotal !== undefined ? `${p.attacksDone ?? 0}/${p.attacksTotal}` : '–',
    ips: p.imagesPerSecond !== undefined ? p.imagesPerSecond.toFixed(1) : '–',
    remaining: formatDuration(p.etaSeconds),
    workers: p.workers?.length ? ` · ${describeWorkers(p)}` : '',
  });
  return {
    update(p) {
      if (!started) {
        bar.start(Math.max(1, p.total), p.done, payload(p));
        started = true;
      } else {
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.done, payload(p));
      }
    },
    log(line) {
      if (started) {
        stream.write('\r\x1b[2K');
        stream.write(`${line}\n`);
        bar.render();
      } else stream.write(`${line}\n`);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
