/**
 * Test worker for the collective: all-reduces `values` (rank-dependent) `rounds` times, or
 * waits at a barrier after the main thread aborts, and posts what it saw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Collective, type CollectiveInit } from '../../src/main/engine/parallel/collective';

const { init, rank, rounds, length, mode } = workerData as {
  init: CollectiveInit;
  rank: number;
  rounds: number;
  length: number;
  mode: 'sum' | 'wait';
};
const c = new Collective(init, rank, 20_000);
try {
  if (mode === 'wait') {
    c.barrier();
    parentPort!.postMessage({ ok: true });
  } else {
    const results: number[][] = [];
    for (let k = 0; k < rounds; k++) {
      const local = Array.from({ length }, (_, i) => (rank + 1) * (i + 1) + k);
      results.push(Array.from(c.allReduceSum(local)));
    }
    parentPort!.postMessage({ ok: true, results });
  }
} catch (err) {
  parentPort!.postMessage({
    ok: false,
    name: (err as Error).name,
    message: (err as Error).message,
  });
}
