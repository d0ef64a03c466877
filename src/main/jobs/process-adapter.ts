/**
 * The one place that knows how a job process is started: Electron's `utilityProcess` when
 * running inside Electron (a crash there cannot take the window down), `child_process.fork`
 * under plain Node. Both sides see the same small channel.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { appRoot } from '../store/paths';
import type { ChildMessage, ParentMessage } from './messages';

export interface JobChannel {
  readonly pid: number | undefined;
  send(msg: ParentMessage): void;
  onMessage(cb: (msg: ChildMessage) => void): void;
  /** Output the process wrote (tfjs warnings and the like), line by line. */
  onOutput(cb: (line: string, stream: 'stdout' | 'stderr') => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Entry script for job processes under Node: registers tsx and runs entry.ts. */
const nodeEntry = () => join(appRoot(), 'bin', 'job.mjs');
let electronEntry: string | undefined;

/** Electron main sets the built job entry (e.g. out/main/job.js) once at start-up. */
export function setElectronJobEntry(file: string): void {
  electronEntry = file;
}

function lines(cb: (line: string) => void) {
  let rest = '';
  return (chunk: Buffer | string) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) if (l.trim()) cb(l);
  };
}

export async function spawnJobProcess(env: NodeJS.ProcessEnv = process.env): Promise<JobChannel> {
  if (process.versions.electron) return spawnUtilityProcess(env);
  const child = fork(nodeEntry(), [], {
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return {
    pid: child.pid,
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as ChildMessage)),
    onOutput: (cb) => {
      child.stdout?.on(
        'data',
        lines((l) => cb(l, 'stdout')),
      );
      child.stderr?.on(
        'data',
        lines((l) => cb(l, 'stderr')),
      );
    },
    onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
    kill: () => void child.kill('SIGKILL'),
  };
}

async function spawnUtilityProcess(env: NodeJS.ProcessEnv): Promise<JobChannel> {
  if (!electronEntry) throw new Error('the Electron job entry was not set (setElectronJobEntry)');
  const { utilityProcess } = await import('electron');
  const child = utilityProcess.fork(electronEntry, [], {
    env: env as Record<string, string>,
    stdio: 'pipe',
    serviceName: 'DMAT job',
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m) => cb(m as ChildMessage)),
    onOutput: (cb) => {
      child.stdout?.on(
        'data',
        lines((l) => cb(l, 'stdout')),
      );
      child.stderr?.on(
        'data',
        lines((l) => cb(l, 'stderr')),
      );
    },
    onExit: (cb) => child.on('exit', (code) => cb(code, null)),
    kill: () => void child.kill(),
  };
}

/** The child's side: messages from the parent and a way to answer (both process kinds). */
export interface ParentPort {
  send(msg: ChildMessage): void;
  onMessage(cb: (msg: ParentMessage) => void): void;
}

export function parentPort(): ParentPort {
  const electronPort = (
    process as unknown as {
      parentPort?: {
        postMessage(m: unknown): void;
        on(e: 'message', cb: (e: { data: unknown }) => void): void;
      };
    }
  ).parentPort;
  if (electronPort) {
    return {
      send: (msg) => electronPort.postMessage(msg),
      onMessage: (cb) => electronPort.on('message', (e) => cb(e.data as ParentMessage)),
    };
  }
  if (!process.send) throw new Error('job entry started without an IPC channel');
  return {
    send: (msg) => {
      if (process.connected) process.send!(msg);
    },
    onMessage: (cb) => process.on('message', (m) => cb(m as ParentMessage)),
  };
}
