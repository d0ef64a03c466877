/** The progress bar of the long-running CLI commands (stderr; plain lines without a terminal). */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(value: number, total: number, info: string): void;
  stop(): void;
}

export function progressBar(label: string): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {info}`,
      hideCursor: true,
      etaBuffer: 20,
      // Without a terminal (logs, CI) print a plain line every few seconds instead.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total, info) {
      if (!started) {
        bar.start(total, value, { info });
        started = true;
      }
      bar.setTotal(total);
      bar.update(value, { info });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
