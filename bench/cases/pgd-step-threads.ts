/**
 * The PGD step of pgd-step with the batch of 128 split over one thread per core, each with its
 * own copy of the model and backend: attack steps are independent per sample, which is how
 * audits use every core (`--workers` splits the samples over job processes, exactly).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startTypeScriptThread } from '../../src/main/engine/parallel/worker-launch';
import { shardSizes } from '../../src/main/engine/parallel/replica-group';
import type { BenchCase } from '../types';
import { BATCH, benchModel } from './fixtures';
import { stepRatioNote, torchStepTiming } from './torch-reference';
import { pgdStepper } from './pgd-step';

const threads = Math.min(availableParallelism(), 8);
const workerFile = fileURLToPath(new URL('./pgd-step-worker.ts', import.meta.url));

function next(w: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    w.once('message', (m: string) => {
      w.off('error', fail);
      resolve(m);
    });
    w.once('error', fail);
  });
}

export const pgdStepThreads: BenchCase = {
  id: 'pgd-step-threads',
  metric: `PGD step (frozen forward), batch ${BATCH} split over ${threads} threads`,
  imagesPerRun: () => BATCH,
  stepsPerRun: () => 1,
  // Threads on a shared machine vary more from run to run: more runs.
  warmup: () => 3,
  repeats: (o) => (o.quick ? 3 : 15),
  async setup(opts) {
    const reference = benchModel();
    const torch = torchStepTiming('pgd-step', reference, [32, 32, 3], threads, BATCH, opts.quick);
    reference.dispose();
    const sizes = shardSizes(BATCH, threads);
    const offsets = sizes.map((_, r) => sizes.slice(0, r).reduce((a, b) => a + b, 0));
    const workers = sizes
      .slice(1)
      .map((size, i) => startTypeScriptThread(workerFile, { offset: offsets[i + 1], size }));
    await Promise.all(workers.map(next));
    const own = pgdStepper(0, sizes[0]);
    return {
      run: async () => {
        const done = workers.map((w) => {
          const reply = next(w);
          w.postMessage('run');
          return reply;
        });
        own.run();
        await Promise.all(done);
      },
      note: (ms: number) => stepRatioNote(torch, ms),
      dispose: () => {
        own.dispose();
        for (const w of workers) w.postMessage('close');
      },
    };
  },
};
