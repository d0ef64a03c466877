/**
 * Training-run calls. Runs execute as "train" job processes; this module records the run,
 * starts or resumes its job, and reads what the job stored (metrics, checkpoints).
 *
 * Contract of the "train" job (handler in jobs/train-*.ts): params are `TrainJobParams`; the job
 * reads the run's config from the store, writes metrics, checkpoints and status through the
 * store, resumes from the latest checkpoint when `resume` is true, and returns the id of the
 * saved classifier in the library (or null).
 */
import type {
  JobRef,
  JobStatus,
  MetricPoint,
  RunDetail,
  RunMetricsInput,
  RunSummary,
  TrainingConfig,
  TrainingEstimate,
} from '../../shared/api';
import { JOB_HANDLERS } from '../jobs/handlers';
import type { JobRunner } from '../jobs/runner';
import type { Store } from '../store/index';
import { leaseHolderMessage } from '../jobs/lease';
import { ApiError, notAvailable } from './errors';
import type { Library } from './library';

export interface TrainJobParams {
  runId: string;
  dbPath: string;
  /** $DMAT_HOME: checkpoints go to <home>/runs/<runId>/, the trained model to <home>/models/. */
  home: string;
  datasetPath: string;
  /** Folder of the classifier to fine-tune, when the config names one. */
  initModelPath?: string;
  resume: boolean;
  /** Train on a `dmat worker` through this Redis queue instead of in the job process. */
  queue?: string;
}

export class RunService {
  constructor(
    private readonly store: Store,
    private readonly runner: JobRunner,
    private readonly library: Library,
    private readonly home: string,
  ) {}

  private async launch(
    runId: string,
    config: TrainingConfig,
    resume: boolean,
    queue?: string,
  ): Promise<JobRef> {
    if (!JOB_HANDLERS.train) throw notAvailable('Training');
    const dataset = await this.library.resolveDataset(config.datasetId);
    const init = config.initModelId
      ? await this.library.resolveModel(config.initModelId)
      : undefined;
    const params: TrainJobParams = {
      runId,
      dbPath: this.store.path,
      home: this.home,
      datasetPath: dataset.path,
      initModelPath: init?.path,
      resume,
      ...(queue ? { queue } : {}),
    };
    const job = await this.runner.start('train', params, { targetId: runId });
    job.done.catch((err: Error) => {
      // Refused its lease (another live job trains this run): it changed nothing, nor do we.
      const holder = this.store.leases.holder(runId);
      if (holder && holder.jobId !== job.jobId) return;
      const run = this.store.runs.find(runId);
      if (run && (run.status === 'running' || run.status === 'queued')) {
        this.store.runs.update(runId, {
          status: err.name === 'JobCancelledError' ? 'cancelled' : 'failed',
          error: err.message,
          finished: true,
        });
      }
    });
    return { jobId: job.jobId, kind: 'train', targetId: runId };
  }

  async start(config: TrainingConfig, queue?: string): Promise<JobRef> {
    if (!JOB_HANDLERS.train) throw notAvailable('Training');
    const dataset = await this.library.resolveDataset(config.datasetId);
    const run = this.store.runs.insert({
      name: config.name || `${config.method}-${new Date().toISOString().slice(0, 16)}`,
      datasetName: dataset.name,
      config: { ...config, datasetId: dataset.id },
    });
    return this.launch(run.id, run.config, false, queue);
  }

  async resume(runId: string, queue?: string): Promise<JobRef> {
    const run = this.store.runs.get(runId);
    const holder = this.store.leases.holder(runId);
    if (holder) throw new ApiError('conflict', leaseHolderMessage(`run ${runId}`, holder));
    if (run.status === 'done')
      throw new ApiError('conflict', `run "${runId}" has already finished`);
    if (this.runner.activeJobs().some((j) => j.targetId === runId)) {
      throw new ApiError('conflict', `run "${runId}" is already running`);
    }
    return this.launch(runId, run.config, true, queue);
  }

  async cancel(runId: string): Promise<void> {
    this.store.runs.get(runId);
    const job = this.runner.activeJobs().find((j) => j.targetId === runId);
    if (!job) throw new ApiError('conflict', `run "${runId}" is not running in this session`);
    await job.cancel();
  }

  list(filter: { status?: JobStatus; limit?: number } = {}): RunSummary[] {
    return this.store.runs.list(filter).map(({ config: _c, ...summary }) => summary);
  }

  get(runId: string): RunDetail {
    const run = this.store.runs.get(runId);
    return { ...run, checkpoints: this.store.checkpoints.list(runId) };
  }

  /**
   * Run time from measured history: the median training throughput (images/s) that earlier
   * runs of the same method (same architecture when there are some) logged on this machine.
   */
  async estimate(config: TrainingConfig): Promise<TrainingEstimate> {
    const dataset = await this.library.resolveDataset(config.datasetId);
    const train = dataset.splits.find((s) => s.name === 'train');
    const samples = Math.min(config.samples ?? train?.count ?? 0, train?.count ?? Infinity);
    const sameMethod = this.store.runs.list().filter((r) => r.method === config.method);
    const sameArch = sameMethod.filter((r) => r.config.architecture === config.architecture);
    const basisRuns = sameArch.length > 0 ? sameArch : sameMethod;
    const rates = basisRuns.flatMap((r) =>
      this.store.runMetrics
        .list(r.id, { scope: 'step', names: ['imagesPerSecond'] })
        .map((p) => p.value)
        .filter((v) => Number.isFinite(v) && v > 0),
    );
    if (rates.length === 0 || samples === 0) {
      // Not an error: the first run of a method on a machine has nothing to go by.
      return {
        secondsPerEpoch: null,
        totalSeconds: null,
        basis: `no measured ${config.method} run on this machine yet: a short run (1 epoch, a few hundred samples) calibrates the estimate`,
      };
    }
    rates.sort((a, b) => a - b);
    const ips = rates[Math.floor(rates.length / 2)];
    const secondsPerEpoch = samples / ips;
    return {
      secondsPerEpoch,
      totalSeconds: secondsPerEpoch * config.epochs,
      basis:
        `median ${ips.toFixed(1)} images/s over ${rates.length} steps of ${basisRuns.length} earlier ` +
        `${config.method} run(s)${sameArch.length > 0 ? ` (${config.architecture})` : ''}, ${samples} training images per epoch; validation not included`,
    };
  }

  metrics(input: RunMetricsInput): MetricPoint[] {
    this.store.runs.get(input.runId);
    return this.store.runMetrics.list(input.runId, input);
  }
}
