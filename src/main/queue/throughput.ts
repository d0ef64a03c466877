/**
 * Per-worker throughput of a queued audit: every progress update of a shard credits the images
 * it adds to the worker that sent it; a worker's rate counts from its first report, so a worker
 * that joins late is not diluted by time it was not there.
 */
import type { WorkerThroughput } from '../../shared/api';

export class WorkerThroughputTracker {
  private readonly workers = new Map<string, { first: number; images: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  credit(worker: string, images: number): void {
    let w = this.workers.get(worker);
    if (!w) this.workers.set(worker, (w = { first: this.now(), images: 0 }));
    if (images > 0) w.images += images;
  }

  snapshot(): WorkerThroughput[] {
    const t = this.now();
    return [...this.workers.entries()]
      .map(([name, w]) => ({
        name,
        images: w.images,
        // Under half a second the rate is noise.
        imagesPerSecond: t - w.first >= 500 ? (1000 * w.images) / (t - w.first) : 0,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
