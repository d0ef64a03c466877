/**
 * What the scale-out tests run: Debian's redis-server on 127.0.0.1 at a free port with a password
 * (append-only, so a restart keeps the jobs), and `dmat worker` processes, each with its own
 * $DMAT_HOME, whose output lines are collected.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

export async function waitFor(what: string, test: () => boolean, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class RedisServer {
  private proc: ChildProcess | undefined;
  port = 0;

  constructor(
    readonly dir: string,
    readonly password: string,
  ) {}

  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`;
  }

  get connection() {
    return { host: '127.0.0.1', port: this.port, password: this.password };
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.proc = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--requirepass', this.password],
        ...['--dir', this.dir, '--appendonly', 'yes', '--save', ''],
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const r = spawnSync(
        'redis-cli',
        ['-p', String(this.port), '-a', this.password, '--no-auth-warning', 'ping'],
        { encoding: 'utf8' },
      );
      if (r.stdout.trim() === 'PONG') return;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    throw new Error('redis-server did not start');
  }

  async stop(): Promise<void> {
    const r = this.proc;
    if (!r || r.exitCode !== null) return;
    const exited = new Promise((resolve) => r.once('exit', resolve));
    r.kill('SIGTERM');
    await exited;
  }
}

export interface WorkerProcess {
  proc: ChildProcess;
  log: string[];
}

/** `dmat worker` processes by name; each has $DMAT_HOME `<home>/worker-<name>`. */
export class WorkerPool {
  readonly workers = new Map<string, WorkerProcess>();

  constructor(
    readonly home: string,
    readonly url: () => string,
  ) {}

  start(name: string): WorkerProcess {
    const proc = spawn(
      process.execPath,
      ['bin/dmat.mjs', 'worker', '--queue', this.url(), '--name', name],
      {
        cwd: ROOT,
        env: { ...process.env, DMAT_HOME: path.join(this.home, `worker-${name}`) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log: string[] = [];
    const collect = (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean));
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const w = { proc, log };
    this.workers.set(name, w);
    return w;
  }

  get(name: string): WorkerProcess {
    const w = this.workers.get(name);
    if (!w) throw new Error(`no worker ${name}`);
    return w;
  }

  /** Resolves once every named worker listens on the queue. */
  ready(names: string[]): Promise<void> {
    return waitFor(`workers ${names.join(', ')}`, () =>
      names.every((n) => this.get(n).log.some((l) => l.includes('waiting for audit shards'))),
    );
  }

  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const { proc } = this.get(name);
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  }

  killAll(): void {
    for (const w of this.workers.values()) w.proc.kill('SIGKILL');
  }
}
