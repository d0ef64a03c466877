/**
 * The requester's side of a queued audit: one BullMQ flow per attempt, a parent (never
 * processed) with one child per shard of batches. Workers anywhere take the shards; every batch
 * is seeded by (seed, attack, batch), so the merged outcomes are exactly those of one process.
 * Progress streams back through QueueEvents; cancelling sets a key every worker polls and removes
 * the shards still waiting. A worker killed mid-shard loses its lock and BullMQ's stall check
 * gives the shard to another worker; a restarted Redis is waited for.
 */
import { randomBytes } from 'node:crypto';
import { FlowProducer, Job, Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { AuditSetup } from '../engine/audit/prepare';
import type { AuditPart } from '../engine/audit/run-audit';
import { appVersion } from '../engine/report/app-version';
import { describeArtifact } from './artifacts';
import { connect, parseQueueUrl } from './connection';
import { AUDITS_QUEUE, PARTS_QUEUE, cancelKey, type ShardData, type ShardProgress } from './names';
import { fromWire } from './wire';

export interface QueuedPartsOptions {
  queue: string;
  auditId: string;
  setup: AuditSetup;
  ranges: [number, number][];
  signal: AbortSignal;
  onProgress: (shard: number, detail: unknown, worker: string) => void;
  /** Require workers on this backend (e.g. wasm, for outcomes bit-identical to a local run). */
  backend?: string;
}

export class ShardFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

const POLL_MS = 250;

export async function runPartsOnQueue(o: QueuedPartsOptions): Promise<AuditPart[]> {
  const target = parseQueueUrl(o.queue);
  const redis = await connect(target, 'to queue the audit');
  const connection = target.options as ConnectionOptions;
  const flows = new FlowProducer({ connection });
  const events = new QueueEvents(PARTS_QUEUE, { connection });
  const parts = new Queue(PARTS_QUEUE, { connection });
  // While Redis restarts, these reconnect on their own; their errors are not the audit's.
  flows.on('error', () => undefined);
  events.on('error', () => undefined);
  parts.on('error', () => undefined);
  const flowId = `${o.auditId}-${randomBytes(4).toString('hex')}`;
  try {
    const [model, dataset] = await Promise.all([
      describeArtifact('model', o.setup.modelPath),
      describeArtifact('dataset', o.setup.datasetPath),
    ]);
    await events.waitUntilReady();
    const shardOf = new Map<string, number>();
    events.on('progress', ({ jobId, data }) => {
      const k = shardOf.get(jobId);
      const p = data as unknown as ShardProgress;
      if (k !== undefined && p && typeof p === 'object') o.onProgress(k, p.detail, p.worker);
    });
    const version = appVersion();
    const tree = await flows.add({
      name: `audit ${o.auditId}`,
      queueName: AUDITS_QUEUE,
      data: { flowId, auditId: o.auditId },
      opts: { jobId: flowId, removeOnComplete: true },
      children: o.ranges.map((range, shard) => {
        const data: ShardData = {
          flowId,
          auditId: o.auditId,
          shard,
          shards: o.ranges.length,
          appVersion: version,
          ...(o.backend ? { backend: o.backend } : {}),
          setup: o.setup,
          range,
          model,
          dataset,
        };
        return {
          name: `shard ${shard + 1}/${o.ranges.length}`,
          queueName: PARTS_QUEUE,
          data,
          opts: {
            jobId: `${flowId}-${shard}`,
            attempts: 3,
            backoff: { type: 'fixed', delay: 1000 },
            failParentOnFailure: true,
            // Kept a while for the app's Workers screen (done per worker).
            removeOnComplete: { age: 3600, count: 500 },
            removeOnFail: { age: 24 * 3600, count: 500 },
          },
        };
      }),
    });
    for (const c of tree.children ?? []) shardOf.set(c.job.id!, (c.job.data as ShardData).shard);
    const parent = tree.job;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
    };
    o.signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        const state = await parent.getState();
        if (state === 'waiting' || state === 'completed' || state === 'prioritized') break;
        if (state === 'failed')
          throw new ShardFailedError(await failureOf(parts, tree.children ?? []));
        if (cancelled) {
          // Every worker polls this key and stops its shard; the waiting ones are removed.
          await redis.set(cancelKey(flowId), '1', 'EX', 24 * 3600);
          await removeWaiting(parts, tree.children ?? []);
          throw Object.assign(new Error('audit cancelled'), { name: 'AuditCancelledError' });
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const values = await parent.getChildrenValues<string>();
      const results: AuditPart[] = new Array(o.ranges.length);
      for (const [key, value] of Object.entries(values)) {
        const id = key.split(':').pop()!;
        results[shardOf.get(id)!] = fromWire<AuditPart>(value);
      }
      if (results.some((r) => r === undefined))
        throw new ShardFailedError('a shard finished without a result');
      await parent.remove({ removeChildren: false }).catch(() => undefined);
      return results;
    } finally {
      o.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    await Promise.allSettled([events.close(), flows.close(), parts.close()]);
    redis.disconnect();
  }
}

/** The first failed shard's reason, in the worker's words. */
async function failureOf(parts: Queue, children: { job: Job }[]): Promise<string> {
  for (const c of children) {
    const job = await Job.fromId(parts, c.job.id!);
    if (job?.failedReason) return `${c.job.name} failed on a worker: ${job.failedReason}`;
  }
  return 'a shard failed on a worker';
}

async function removeWaiting(parts: Queue, children: { job: Job }[]): Promise<void> {
  for (const c of children) {
    const job = await Job.fromId(parts, c.job.id!);
    if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
  }
}
