/**
 * Data-parallel training on one machine: the batch is split across replicas (this thread plus
 * `size − 1` worker threads, each with its own backend instance), which share batch-norm
 * statistics and sum their weight gradients every step, so every core works on the step and the
 * result is that of one process on the whole batch (to float32 rounding; the random starts of
 * each shard come from the step seed and the shard's rank).
 */
import * as tf from '@tensorflow/tfjs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { TrainingMethod } from '../../../shared/api';
import { deriveSeed } from '../attacks/seeds';
import type { LayersClassifier } from '../models/classifier';
import { LayersGenerator } from '../models/generator';
import type { Generator } from '../models/types';
import type { MethodSettings } from '../training/method-context';
import type { MethodBatch, MethodContext, TrainingMethodSpec } from '../training/methods/types';
import type { SgdMomentum } from '../training/optimizer';
import { batchMomentsInstalled } from '../runtime/batch-moments';
import { Collective, CollectiveAborted, createCollective } from './collective';
import { coresForBackend } from './cores';
import type { FromReplica, ReplicaInit, ShardArrays, ToReplica } from './messages';
import { packClassifier, packGenerator } from './model-transfer';
import { replicaTrainingStep } from './replica-step';
import { startReplicaThread } from './worker-launch';

export interface ReplicaGroupOptions {
  /** Replicas in all, this thread included (≥ 2). */
  size: number;
  method: TrainingMethod;
  classifier: LayersClassifier;
  generator?: Generator;
  settings: MethodSettings;
  /** This thread's optimiser; its state is copied to the replicas. */
  optimizer: SgdMomentum;
  vars: tf.Variable[];
  /** Longest wait for the other replicas before the group counts as stuck, ms. */
  timeoutMs?: number;
}

/** Replicas a run uses unless told otherwise: one per core (cores.ts), two samples each at least. */
export function defaultReplicas(backend: string, batchSize: number): number {
  return Math.max(1, Math.min(coresForBackend(backend), Math.floor(batchSize / 2)));
}

/** Whether replicas can copy this generator (a Layers model; a graph model cannot be sent). */
export function replicableGenerator(g: Generator): boolean {
  return g instanceof LayersGenerator;
}

/** Largest all-reduce chunk, in floats (the shared buffer holds 2 × size × this). */
const MAX_CHUNK = 1 << 20;

/** Even contiguous split of `n` rows into `parts` (the first ones get the remainder). */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, r) => base + (r < n % parts ? 1 : 0));
}

/** The seed of replica `rank` for a step seeded `seed` (rank 0 keeps the step's own). */
export function replicaSeed(seed: number, rank: number): number {
  return rank === 0 ? seed : deriveSeed(seed, rank);
}

interface Pending {
  /** Replica threads that have not reported the step yet. */
  left: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class ReplicaGroup {
  private pending: Pending | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    readonly size: number,
    private readonly workers: Worker[],
    private readonly collective: Collective,
  ) {
    workers.forEach((w) => {
      w.on('message', (m: FromReplica) => this.onMessage(m));
      w.on('error', (e) => this.onFailure(e));
      w.on('exit', (code) => {
        if (!this.closed) this.onFailure(new Error(`a replica thread exited (code ${code})`));
      });
    });
  }

  static async start(o: ReplicaGroupOptions): Promise<ReplicaGroup> {
    if (!Number.isInteger(o.size) || o.size < 2) {
      throw new Error(`a replica group needs at least 2 replicas, got ${o.size}`);
    }
    if (!batchMomentsInstalled()) {
      throw new Error(
        `replicas share batch statistics only on the CPU backends (wasm, cpu), not on ${tf.getBackend()}`,
      );
    }
    const generator = o.generator ? packGenerator(o.generator) : undefined;
    if (o.generator && !generator) {
      throw new Error(
        `generator ${o.generator.name} is not a Layers model; it cannot be replicated`,
      );
    }
    const params = o.vars.reduce((n, v) => n + v.size, 0);
    const init = createCollective(o.size, Math.min(params + 1, MAX_CHUNK));
    const classifier = packClassifier(o.classifier);
    const optimizerState = o.optimizer.getState();
    const workers = Array.from({ length: o.size - 1 }, (_, i) =>
      startReplicaThread({
        rank: i + 1,
        collective: init,
        method: o.method,
        classifier,
        generator: generator ?? undefined,
        settings: o.settings,
        momentum: o.optimizer.momentum,
        weightDecay: o.optimizer.weightDecay,
        optimizerState,
        timeoutMs: o.timeoutMs,
      } satisfies ReplicaInit),
    );
    const collective = new Collective(init, 0, o.timeoutMs);
    try {
      // Replicas on another backend would round differently and drift from this thread.
      const backends = await Promise.all(workers.map((w) => waitReady(w)));
      const other = backends.find((b) => b !== tf.getBackend());
      if (other) {
        throw new Error(
          `a replica thread started on the ${other} backend, this thread runs on ${tf.getBackend()}`,
        );
      }
    } catch (err) {
      collective.abort();
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new ReplicaGroup(o.size, workers, collective);
  }

  /**
   * One step on `batch`: shards go to the replicas, this thread trains on the first one.
   * Resolves to the loss of the whole batch.
   */
  async step(
    spec: TrainingMethodSpec,
    ctx: MethodContext,
    batch: MethodBatch,
    o: { vars: tf.Variable[]; optimizer: SgdMomentum; lr: number; seed: number },
  ): Promise<number> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('the replica group is closed');
    const n = batch.y.shape[0];
    const sizes = shardSizes(n, this.size);
    const starts = sizes.map((_, r) => sizes.slice(0, r).reduce((a, b) => a + b, 0));
    const done = new Promise<void>((resolve, reject) => {
      this.pending = { left: this.workers.length, resolve, reject };
    });
    this.workers.forEach((w, i) => {
      const r = i + 1;
      const shard = shardArrays(batch, starts[r], sizes[r]);
      const msg: ToReplica = {
        type: 'step',
        shard,
        lr: o.lr,
        seed: replicaSeed(o.seed, r),
        weight: sizes[r] / n,
      };
      w.postMessage(msg, transferables(shard));
    });
    const own = sliceBatch(batch, 0, sizes[0]);
    let loss: number;
    try {
      loss = await replicaTrainingStep(spec, ctx, own, {
        ...o,
        seed: replicaSeed(o.seed, 0),
        weight: sizes[0] / n,
        collective: this.collective,
      });
    } catch (err) {
      this.collective.abort();
      // When this thread only saw "another replica failed", the replica's own error says why.
      const theirs = await Promise.race([
        done.then(
          () => undefined,
          (e: Error) => e,
        ),
        sleep(10_000, undefined, { ref: false }),
      ]);
      throw err instanceof CollectiveAborted && theirs ? theirs : err;
    } finally {
      tf.dispose([own.x, own.y, ...(own.w ? [own.w] : [])]);
    }
    await done;
    return loss;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.postMessage({ type: 'close' } satisfies ToReplica);
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 5000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  private onMessage(m: FromReplica): void {
    if (m.type === 'failed') {
      const e = new Error(`replica thread failed: ${m.message}`);
      if (m.stack) e.stack = m.stack;
      this.onFailure(e);
    } else if (m.type === 'stepped' && this.pending) {
      if (--this.pending.left === 0) {
        const p = this.pending;
        this.pending = undefined;
        p.resolve();
      }
    }
  }

  private onFailure(e: Error): void {
    this.failure ??= e;
    this.collective.abort();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }
}

function waitReady(w: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromReplica) => {
      if (m.type === 'ready') {
        w.off('message', onMessage);
        resolve(m.backend);
      } else if (m.type === 'failed') {
        reject(new Error(`replica thread could not start: ${m.message}`));
      }
    };
    w.on('message', onMessage);
    w.once('error', reject);
    w.once('exit', (code) =>
      reject(new Error(`replica thread exited during start (code ${code})`)),
    );
  });
}

function sliceBatch(b: MethodBatch, start: number, size: number): MethodBatch {
  return tf.tidy(() => ({
    x: tf.slice(b.x, start, size) as tf.Tensor4D,
    y: tf.slice(b.y, start, size) as tf.Tensor1D,
    w: b.w && tf.slice(b.w, start, size),
  }));
}

function shardArrays(b: MethodBatch, start: number, size: number): ShardArrays {
  const s = sliceBatch(b, start, size);
  try {
    return {
      // Copies: a backend may hand out views of its own storage, and these buffers are moved.
      x: { data: Float32Array.from(s.x.dataSync()), shape: s.x.shape.slice() },
      y: { data: Int32Array.from(s.y.dataSync()), shape: s.y.shape.slice() },
      w: s.w && { data: Float32Array.from(s.w.dataSync()), shape: s.w.shape.slice() },
    };
  } finally {
    tf.dispose([s.x, s.y, ...(s.w ? [s.w] : [])]);
  }
}

function transferables(s: ShardArrays): ArrayBuffer[] {
  return [s.x.data.buffer, s.y.data.buffer, ...(s.w ? [s.w.data.buffer] : [])] as ArrayBuffer[];
}
