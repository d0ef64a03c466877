/**
 * Collective operations between the replicas of a data-parallel group (the main thread and its
 * worker threads), over one SharedArrayBuffer: a barrier and an all-reduce sum.
 *
 * Every replica must call the same collectives in the same order with the same lengths (they run
 * the same code on their shard of the batch). Sums are taken over the replicas in rank order by
 * every replica, so all of them get bitwise the same result and their weights never drift apart.
 * A replica that fails calls `abort`, which wakes the others with an error instead of a hang.
 */

/** Int32 control words at the start of the buffer. */
const GENERATION = 0;
const ARRIVED = 1;
const ABORTED = 2;
const CONTROL_WORDS = 4;

export interface CollectiveInit {
  buffer: SharedArrayBuffer;
  size: number;
  /** Floats per replica and per half of the double buffer. */
  capacity: number;
}

export class CollectiveAborted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectiveAborted';
  }
}

/** Shared memory for `size` replicas exchanging up to `capacity` floats per call. */
export function createCollective(size: number, capacity: number): CollectiveInit {
  if (!Number.isInteger(size) || size < 1) throw new Error(`group size must be ≥ 1, got ${size}`);
  const bytes = CONTROL_WORDS * 4 + 2 * size * capacity * 8;
  return { buffer: new SharedArrayBuffer(bytes), size, capacity };
}

export class Collective {
  readonly size: number;
  private readonly control: Int32Array;
  private readonly slots: Float64Array;
  private readonly capacity: number;
  private calls = 0;

  constructor(
    init: CollectiveInit,
    readonly rank: number,
    /**
     * How long one wait may take before the group is declared stuck. Replicas do the same work,
     * so a healthy wait lasts as long as their imbalance (milliseconds to seconds); a replica
     * that died without aborting (its thread killed) is only noticed this way.
     */
    private readonly timeoutMs = 5 * 60_000,
  ) {
    this.size = init.size;
    this.capacity = init.capacity;
    this.control = new Int32Array(init.buffer, 0, CONTROL_WORDS);
    this.slots = new Float64Array(init.buffer, CONTROL_WORDS * 4, 2 * init.size * init.capacity);
  }

  /** Wait until every replica has arrived here. */
  barrier(): void {
    const c = this.control;
    this.throwIfAborted();
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.size - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(c, GENERATION) === generation) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.abort();
        throw new CollectiveAborted(
          `replica ${this.rank} waited ${Math.round(this.timeoutMs / 1000)} s for the others; the group is stuck`,
        );
      }
      Atomics.wait(c, GENERATION, generation, Math.min(left, 1000));
      this.throwIfAborted();
    }
  }

  /**
   * Element-wise sum of `local` over all replicas, returned to every replica (float64, summed
   * in rank order). Longer arrays go through in chunks of `capacity`.
   */
  allReduceSum(local: ArrayLike<number>): Float64Array {
    const out = new Float64Array(local.length);
    if (this.size === 1) {
      out.set(local);
      return out;
    }
    let start = 0;
    do {
      const n = Math.min(this.capacity, local.length - start);
      // Alternate halves: a replica that runs ahead writes the other half, so it never
      // overwrites values a slower replica is still reading.
      const half = this.calls++ % 2;
      const row = (r: number) => (half * this.size + r) * this.capacity;
      const mine = row(this.rank);
      for (let i = 0; i < n; i++) this.slots[mine + i] = local[start + i];
      this.barrier();
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let r = 0; r < this.size; r++) s += this.slots[row(r) + i];
        out[start + i] = s;
      }
      start += n;
    } while (start < local.length);
    return out;
  }

  /** Wake every replica with an error (called by the one that failed). */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) === 1;
  }

  private throwIfAborted(): void {
    if (this.aborted) throw new CollectiveAborted('another replica of the group failed');
  }
}
