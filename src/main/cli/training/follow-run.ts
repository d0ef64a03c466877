/** Shared by `dmat train` and `dmat resume`: follow a run's job with a progress bar, then summarise. */
import type { JobRef, TrainingConfig } from '../../../shared/api';
import type { DmatApiHandle } from '../../api/index';
import { describeBudget } from '../../engine/attacks/presets';
import { EXIT } from '../command';
import { progressBar } from '../commands/progressBar';

const pct = (v: number | undefined) => (v === undefined ? '–' : `${(100 * v).toFixed(1)} %`);

export function describeConfig(c: TrainingConfig): string[] {
  const lines = [
    `method ${c.method}, ${c.epochs} epochs, batch ${c.batchSize}${c.samples ? `, ${c.samples} samples` : ''}, seed ${c.seed}`,
    `threads: ${c.replicas ?? 'one replica per core on wasm/cpu, one on tfjs-node'}`,
  ];
  if (c.imageAttack)
    lines.push(`image attack: PGD, ${describeBudget('pixel [0,1]', c.imageAttack)}`);
  if (c.latentAttack)
    lines.push(
      `latent attack: ${c.latentAttack.kind ?? 'om-pgd'}, ${describeBudget('latent', c.latentAttack)}`,
    );
  return lines;
}

export async function followRun(
  api: DmatApiHandle,
  ref: JobRef,
  config: TrainingConfig,
): Promise<number> {
  const runId = ref.targetId;
  console.log(`run ${runId} (job ${ref.jobId})`);
  for (const l of describeConfig(config)) console.log(`  ${l}`);
  const handle = api.runner.get(ref.jobId);
  if (!handle) throw new Error(`job ${ref.jobId} is not running`);
  const bar = progressBar('train');
  const off = api.runner.onEvent((e) => {
    if (e.jobId !== ref.jobId) return;
    if (e.type === 'progress') {
      const p = e.progress;
      const eta = p.etaSeconds !== undefined ? `ETA ${Math.round(p.etaSeconds)} s` : '';
      bar.update(
        p.done,
        p.total,
        `${p.phase} | ${(p.imagesPerSecond ?? 0).toFixed(1)} img/s | ${eta}`,
      );
    } else if (e.type === 'log') {
      // Info lines say where the run trains (backend, threads, which worker); they are short.
      process.stderr.write(`\n${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
    }
  });
  const stop = () => void handle.cancel();
  process.once('SIGINT', stop);
  try {
    await handle.done;
  } catch (err) {
    bar.stop();
    const name = (err as Error).name;
    if (name === 'JobCancelledError') {
      console.log(`run ${runId} cancelled; continue it with: dmat resume ${runId}`);
      return EXIT.gateFailed;
    }
    // Keep the failure's kind (input, environment, conflict): only the words gain the run id.
    const e = err as Error;
    if (!e.message.includes(runId)) e.message = `run ${runId} failed: ${e.message}`;
    throw e;
  } finally {
    off();
    process.off('SIGINT', stop);
  }
  bar.stop();
  const run = await api.getRun({ id: runId });
  const points = await api.getRunMetrics({ runId, scope: 'epoch' });
  const epochs = [...new Set(points.map((p) => p.epoch))].sort((a, b) => a - b);
  const get = (e: number, n: string) => points.find((p) => p.epoch === e && p.name === n)?.value;
  console.log('\nepoch  train loss  clean    PGD      OM-PGD   seconds');
  for (const e of epochs) {
    console.log(
      `${String(e).padStart(5)}  ${(get(e, 'trainLoss') ?? NaN).toFixed(4).padStart(10)}  ${pct(get(e, 'cleanAcc')).padStart(7)}  ${pct(get(e, 'pgdAcc')).padStart(7)}  ${pct(get(e, 'omPgdAcc')).padStart(7)}  ${(get(e, 'epochSeconds') ?? NaN).toFixed(0).padStart(7)}`,
    );
  }
  console.log(`\nrun ${runId}: ${run.status}; model ${run.modelId ?? '–'}`);
  return EXIT.ok;
}
