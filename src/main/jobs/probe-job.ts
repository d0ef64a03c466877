/**
 * A diagnostic job that exercises the job machinery without the engine: reports `steps`
 * progress events and a metric per step, then returns its parameters — or fails, or ignores
 * cancellation, when asked. Used to check that processes start, report, stop and are killed.
 */
import type { JobHandler } from './messages';

export interface ProbeParams {
  steps?: number;
  stepMs?: number;
  fail?: string;
  /** Keep running after a cancel request (the parent must kill the process). */
  ignoreCancel?: boolean;
  /** Exit the process abruptly at this step, as a native crash would. */
  crashAt?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const probeJob: JobHandler<ProbeParams, { echo: ProbeParams; pid: number }> = async (
  ctx,
) => {
  const steps = ctx.params.steps ?? 3;
  for (let i = 1; i <= steps; i++) {
    if (ctx.signal.aborted && !ctx.params.ignoreCancel) throw new Error('cancelled');
    if (ctx.params.crashAt === i) process.exit(3);
    await sleep(ctx.params.stepMs ?? 5);
    ctx.progress({ phase: 'probe', done: i, total: steps, unit: 'steps' });
    ctx.metrics([
      {
        scope: 'step',
        epoch: 0,
        step: i,
        name: 'value',
        value: i * i,
        at: new Date().toISOString(),
      },
    ]);
  }
  ctx.log('info', `probe finished ${steps} steps`);
  if (ctx.params.fail) throw new Error(ctx.params.fail);
  return { echo: ctx.params, pid: process.pid };
};
