/**
 * What a benchmark case is. A case builds its model and data in `setup`, then the runner times
 * `run` (warm-up runs first, then the median of the timed ones). Add a case by writing one file
 * in bench/cases/ and listing it in bench/cases/index.ts.
 */
export interface BenchOptions {
  /** Smaller workloads and fewer repeats, for a smoke run (`npm run bench -- --quick`). */
  quick: boolean;
}

export interface BenchRun {
  /** One timed unit of work. Must finish its computation before returning (read a value back). */
  run(): void | Promise<void>;
  /** Free everything setup made. */
  dispose(): void;
  /** A line printed under the table, given the measured median ms/step (e.g. a reference's time). */
  note?(msPerStep: number): string;
}

export interface BenchCase {
  /** Stable id, used by `--only` and in the JSON. */
  id: string;
  /** What the table calls it, with batch size and workload. */
  metric: string;
  /** Images processed by one run (for images/s). */
  imagesPerRun(opts: BenchOptions): number;
  /** Optimisation steps in one run (for ms/step); 1 for a single step. */
  stepsPerRun(opts: BenchOptions): number;
  /** Untimed runs before measuring (default 2). */
  warmup?: (opts: BenchOptions) => number;
  /** Timed runs; the median is reported (default 5). */
  repeats?: (opts: BenchOptions) => number;
  setup(opts: BenchOptions): Promise<BenchRun>;
}

export interface BenchResult {
  id: string;
  metric: string;
  backend: string;
  imagesPerSecond: number;
  /** Median wall time per step, ms. */
  msPerStep: number;
  /** Median process CPU time per step, ms (all threads): shows contention from other processes. */
  cpuMsPerStep: number;
  /** Every timed run, wall ms. */
  runsMs: number[];
  imagesPerRun: number;
  stepsPerRun: number;
  note?: string;
}
