import { describe, expect, it } from 'vitest';
import { WorkerThroughputTracker } from '../../src/main/queue/throughput';
import { describeProgress } from '../../src/main/cli/progress';

describe('per-worker throughput of a queued audit', () => {
  it('credits each worker with the images it sent, at a rate from its own first report', () => {
    let t = 0;
    const tr = new WorkerThroughputTracker(() => t);
    tr.credit('w1', 0);
    t = 1000;
    tr.credit('w2', 0);
    tr.credit('w1', 40);
    t = 3000;
    tr.credit('w2', 60);
    tr.credit('w1', -10); // a shard re-run elsewhere reports less: no negative credit
    expect(tr.snapshot()).toEqual([
      { name: 'w1', images: 40, imagesPerSecond: 40 / 3 },
      { name: 'w2', images: 60, imagesPerSecond: 30 },
    ]);
  });

  it('reports no rate in the first half second', () => {
    let t = 0;
    const tr = new WorkerThroughputTracker(() => t);
    tr.credit('w1', 10);
    t = 400;
    expect(tr.snapshot()[0].imagesPerSecond).toBe(0);
  });

  it('shows in the CLI progress line', () => {
    const line = describeProgress({
      phase: 'PGD-5',
      done: 10,
      total: 40,
      unit: 'samples',
      workers: [
        { name: 'w1', images: 40, imagesPerSecond: 13.33 },
        { name: 'w2', images: 60, imagesPerSecond: 30 },
      ],
    });
    expect(line).toMatch(/ · workers w1 13\.3, w2 30\.0 img\/s$/);
  });
});
