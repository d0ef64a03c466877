/**
 * How many threads or processes a job uses unless told otherwise: one per core on the CPU
 * backends (wasm and pure JS run one thread each), one on a native backend, which already uses
 * every core (tfjs-node) or the GPU.
 */
import { availableParallelism } from 'node:os';

export function coresForBackend(backend: string, cap = 8): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  return Math.max(1, Math.min(availableParallelism(), cap));
}
