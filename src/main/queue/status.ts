/**
 * What the app's Workers screen shows of a queue: the workers listening (from Redis's client
 * list, as BullMQ names them), and the audit shards and training runs queued, running, done or
 * failed, each with the worker that took it. Finished jobs stay in Redis for an hour.
 */
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { QueueJobInfo, QueueStatus } from '../../shared/api';
import { connect, parseQueueUrl } from './connection';
import { PARTS_QUEUE, TRAIN_QUEUE } from './names';

const STATES = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'] as const;
/** Jobs listed per queue, newest first within each state. */
const LIST = 200;

function describeJob(kind: QueueJobInfo['kind'], state: string, job: Job): QueueJobInfo {
  const d = (job.data ?? {}) as { auditId?: string; runId?: string };
  const progress = job.progress as { worker?: string } | number | undefined;
  const worker =
    job.processedBy ??
    (progress && typeof progress === 'object' && typeof progress.worker === 'string'
      ? progress.worker
      : null);
  return {
    id: job.id ?? '',
    kind,
    name: job.name,
    target: d.auditId ?? d.runId ?? '',
    state: state === 'prioritized' || state === 'delayed' ? 'waiting' : state,
    worker: state === 'waiting' ? null : worker,
    attempts: job.attemptsMade,
    startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
  };
}

export async function readQueueStatus(url: string): Promise<QueueStatus> {
  const target = parseQueueUrl(url);
  const probe = await connect(target, 'to read the queue');
  probe.disconnect();
  const connection = target.options as ConnectionOptions;
  const queues: [QueueJobInfo['kind'], Queue][] = [
    ['audit shard', new Queue(PARTS_QUEUE, { connection })],
    ['training run', new Queue(TRAIN_QUEUE, { connection })],
  ];
  try {
    const jobs: QueueJobInfo[] = [];
    const listening = new Set<string>();
    for (const [kind, q] of queues) {
      q.on('error', () => undefined);
      // BullMQ names each worker's connection "<prefix>:<queue>:w:<worker name>".
      for (const w of await q.getWorkers()) {
        const raw = (w as { rawname?: string }).rawname ?? '';
        const at = raw.indexOf(':w:');
        if (at >= 0) listening.add(raw.slice(at + 3));
      }
      for (const state of STATES) {
        for (const job of await q.getJobs([state], 0, LIST - 1)) {
          if (job) jobs.push(describeJob(kind, state, job));
        }
      }
    }
    const names = new Set([...listening, ...jobs.map((j) => j.worker).filter((w) => w !== null)]);
    const workers = [...names].sort().map((name) => {
      const mine = jobs.filter((j) => j.worker === name);
      return {
        name,
        listening: listening.has(name),
        running: mine.filter((j) => j.state === 'active').length,
        done: mine.filter((j) => j.state === 'completed').length,
        failed: mine.filter((j) => j.state === 'failed').length,
      };
    });
    const count = (s: string) => jobs.filter((j) => j.state === s).length;
    return {
      queue: target.display,
      workers,
      jobs,
      counts: {
        waiting: count('waiting'),
        active: count('active'),
        completed: count('completed'),
        failed: count('failed'),
      },
    };
  } finally {
    await Promise.allSettled(queues.map(([, q]) => q.close()));
  }
}
