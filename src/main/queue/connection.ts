/**
 * Redis connections for the work queue (BullMQ). A queue is named by a URL,
 * `redis://[:password@]host:port[/db]` or `rediss://…` for TLS; the password never appears in
 * messages. BullMQ's workers need `maxRetriesPerRequest: null` so that a restarted Redis is
 * waited for rather than failing the job.
 */
import { Redis, type RedisOptions } from 'ioredis';

export class QueueUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export interface QueueTarget {
  options: RedisOptions;
  /** The URL without its password, for messages. */
  display: string;
}

export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(
      `--queue "${url}" is not a URL; expected redis://[:password@]host:port[/db]`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new QueueUrlError(`--queue must be a redis:// or rediss:// URL, got ${u.protocol}//…`);
  }
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new QueueUrlError(`--queue: database "${dbText}" is not a number`);
  const options: RedisOptions = {
    host: u.hostname || '127.0.0.1',
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart of Redis, then back off to 2 s.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  const auth = u.password ? ':…@' : '';
  return { options, display: `${u.protocol}//${auth}${options.host}:${port}/${db}` };
}

/** A connection, checked with a PING so a wrong address or password fails at once with a reason. */
export async function connect(target: QueueTarget, what: string): Promise<Redis> {
  const probe = new Redis({ ...target.options, lazyConnect: true, retryStrategy: () => null });
  let reason: string | undefined;
  probe.on('error', (err: Error) => (reason ??= err.message.split('\n')[0]));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new QueueUrlError(
      `cannot reach the queue at ${target.display} (${what}): ${reason ?? (err as Error).message}`,
    );
  } finally {
    probe.disconnect();
  }
  const redis = new Redis(target.options);
  // ioredis reconnects by itself (a restarted Redis); its errors meanwhile are not the caller's.
  redis.on('error', () => undefined);
  return redis;
}
