/**
 * Entry of every job process: waits for `start`, runs the handler for the kind, streams its
 * reports to the parent, and answers `cancel` by aborting the handler's signal (the parent
 * kills the process if the handler does not stop in time).
 */
import { environmentProblem } from '../engine/files/environment';
import { JOB_HANDLERS } from './handlers';
import { PARENT_GONE } from './lease';
import { isUserError, type ChildMessage, type JobContext } from './messages';
import { parentPort } from './process-adapter';

const port = parentPort();
const abort = new AbortController();
let started = false;

function finish(msg: ChildMessage): void {
  port.send(msg);
  // Let the message flush, then leave even if a handler left timers behind.
  setTimeout(() => process.exit(0), 50).unref();
}

port.onMessage(async (msg) => {
  if (msg.type === 'cancel') {
    abort.abort();
    return;
  }
  if (msg.type !== 'start' || started) return;
  started = true;
  const load = JOB_HANDLERS[msg.kind];
  if (!load) {
    finish({ type: 'error', message: `unknown job kind "${msg.kind}"`, userError: false });
    return;
  }
  const ctx: JobContext = {
    jobId: msg.jobId,
    params: msg.params,
    signal: abort.signal,
    progress: (progress, detail) => port.send({ type: 'progress', progress, detail }),
    metrics: (points) => port.send({ type: 'metrics', points }),
    log: (level, message) => port.send({ type: 'log', level, message }),
  };
  try {
    const handler = (await load()) as (c: JobContext) => Promise<unknown>;
    const result = await handler(ctx);
    finish(abort.signal.aborted ? { type: 'cancelled' } : { type: 'result', result });
  } catch (err) {
    if (abort.signal.aborted) {
      finish({ type: 'cancelled' });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    const environment = environmentProblem(e);
    finish({
      type: 'error',
      message: environment ?? e.message,
      userError: isUserError(e),
      environment: environment !== undefined,
      stack: e.stack,
    });
  }
});

// An orphaned job (its parent died) stops instead of computing for nobody; its handler records
// the interruption itself (nobody else will), so job, audit and run rows agree.
function onParentGone(): void {
  if (abort.signal.aborted) return;
  abort.abort(PARENT_GONE);
  // A safety net for a handler that does not stop: long enough for it to record the interruption
  // and stop its own children on a loaded machine (the store waits up to 10 s for a busy lock).
  setTimeout(() => process.exit(1), 60_000).unref();
}
process.on('disconnect', onParentGone);
// Electron's utility processes have no IPC disconnect: notice the parent's death by re-parenting.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) onParentGone();
}, 2000).unref();

port.send({ type: 'ready' });
