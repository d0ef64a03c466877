/** Audit calls: start (as a job process), cancel, and every way of reading the results. */
import { atDatasetBudgets, readDatasetThreatModel } from '../engine/audit/dataset-budgets';
import type {
  AttackResultInfo,
  AuditDetail,
  AuditSummary,
  GalleryInput,
  GalleryItem,
  JobRef,
  SampleOutcomesInput,
  SampleOutcomesPage,
  StartAuditInput,
  WorstCaseInput,
  WorstCaseResult,
} from '../../shared/api';
import { worstCase } from '../engine/audit/outcomes';
import { coresForBackend } from '../engine/parallel/cores';
import { initBackend } from '../engine/runtime/backend';
import { auditCostProblem, auditGradientEvaluations } from '../engine/audit/cost';
import { findSuite, type SuiteFolders } from '../engine/audit/suite-library';
import { BUILTIN_SUITES, resolveSuite } from '../engine/audit/suites';
import { savePartialOnCancel } from '../jobs/audit-partial';
import type { AuditJobParams } from '../jobs/audit-job';
import type { JobRunner } from '../jobs/runner';
import type { Store } from '../store/index';
import { leaseHolderMessage } from '../jobs/lease';
import { ApiError } from './errors';
import type { Library } from './library';

export const AUDIT_DEFAULTS = {
  split: 'test',
  images: 'on-manifold',
  batchSize: 100,
  seed: 0,
  galleryPerAttack: 4,
} as const;

/**
 * Job processes an audit is split over unless told otherwise: one per core on the CPU backends
 * (at most 4: each holds the model and data), never more than there are batches.
 */
export function defaultAuditWorkers(backend: string, samples: number, batchSize: number): number {
  return Math.max(1, Math.min(coresForBackend(backend, 4), Math.ceil(samples / batchSize)));
}

export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly runner: JobRunner,
    private readonly library: Library,
    private readonly suites: SuiteFolders,
  ) {}

  async start(input: StartAuditInput): Promise<JobRef> {
    const model = await this.library.resolveModel(input.modelId);
    const dataset = await this.library.resolveDataset(input.datasetId);
    const named = await findSuite(input.suite, this.suites);
    // Built-in suites take the dataset's own threat model unless the caller asks for the presets'.
    const builtin = typeof input.suite === 'string' && Object.hasOwn(BUILTIN_SUITES, input.suite);
    const suite =
      builtin && (input.budgets ?? 'dataset') === 'dataset'
        ? atDatasetBudgets(named, await readDatasetThreatModel(dataset.path))
        : named;
    // Resolve now so a bad preset is reported before a process is started.
    const source = typeof input.suite === 'string' ? input.suite : 'suite';
    const resolved = resolveSuite(suite, dataset.imageShape, source);
    const images = input.images ?? (dataset.kind === 'on-manifold' ? 'on-manifold' : 'natural');
    const split = input.split ?? AUDIT_DEFAULTS.split;
    const latent = resolved.attacks.filter((a) => a.attack.space === 'latent').map((a) => a.key);
    if (dataset.kind === 'natural' && (latent.length > 0 || images === 'on-manifold')) {
      throw new ApiError(
        'invalid-input',
        latent.length > 0
          ? `dataset "${dataset.name}" has no latent codes, but the suite has latent-space attacks (${latent.join(', ')})`
          : `dataset "${dataset.name}" has no on-manifold images; audit its natural images`,
        latent.length > 0 ? 'suite' : 'images',
      );
    }
    if (!dataset.splits.some((s) => s.name === split)) {
      throw new ApiError(
        'invalid-input',
        `dataset "${dataset.name}" has no split "${split}" (it has ${dataset.splits.map((s) => s.name).join(', ')})`,
        'split',
      );
    }
    if (model.numClasses !== null && model.numClasses !== dataset.numClasses) {
      throw new ApiError(
        'invalid-input',
        `model "${model.name}" has ${model.numClasses} classes but dataset "${dataset.name}" has ${dataset.numClasses}`,
        'modelId',
      );
    }
    const shape = (v: readonly number[]) => v.join('×');
    if (model.kind === 'classifier' && shape(model.inputShape) !== shape(dataset.imageShape)) {
      throw new ApiError(
        'invalid-input',
        `model "${model.name}" takes ${shape(model.inputShape)} images (H×W×C) but dataset "${dataset.name}" holds ${shape(dataset.imageShape)} images`,
        'modelId',
      );
    }
    const count = dataset.splits.find((s) => s.name === split)!.count;
    const samples = Math.min(input.samples ?? count, count);
    const gradientEvaluations = auditGradientEvaluations(resolved, samples);
    const tooBig = auditCostProblem(gradientEvaluations);
    if (tooBig) throw new ApiError('invalid-input', tooBig, 'suite');
    const setup = {
      modelPath: model.path,
      datasetPath: dataset.path,
      suite,
      split,
      images,
      samples,
      seed: input.seed ?? AUDIT_DEFAULTS.seed,
      batchSize: input.batchSize ?? AUDIT_DEFAULTS.batchSize,
      galleryPerAttack: input.galleryPerAttack ?? AUDIT_DEFAULTS.galleryPerAttack,
    } as const;
    const batches = Math.ceil(samples / setup.batchSize);
    // Through a queue, workers are shards: enough for every worker to take a few.
    const workers = input.queue
      ? Math.min(input.workers ?? 16, Math.max(batches, 1))
      : (input.workers ??
        defaultAuditWorkers((await initBackend()).backend, samples, setup.batchSize));
    const audit = this.store.audits.insert({
      modelId: model.id,
      modelName: model.name,
      datasetId: dataset.id,
      datasetName: dataset.name,
      suite,
      split,
      images,
      samples,
      seed: setup.seed,
      batchSize: setup.batchSize,
      workers,
    });
    const params: AuditJobParams = {
      auditId: audit.id,
      dbPath: this.store.path,
      setup,
      workers,
      datasetSha256: dataset.sha256,
      modelSha256: model.sha256,
      ...(input.queue ? { queue: input.queue } : {}),
      ...(input.queueBackend ? { queueBackend: input.queueBackend } : {}),
    };
    const job = await this.launch(params, true);
    return { jobId: job.jobId, kind: 'audit', targetId: audit.id, gradientEvaluations };
  }

  /**
   * Continue an interrupted, failed or cancelled audit: the batches it finished are kept (its
   * journal), the rest run with the same seeds, so the outcomes are those of an audit that ran
   * through.
   */
  async resume(auditId: string): Promise<JobRef> {
    const audit = this.store.audits.get(auditId);
    const holder = this.store.leases.holder(auditId);
    if (holder) throw new ApiError('conflict', leaseHolderMessage(`audit ${auditId}`, holder));
    if (audit.status === 'done')
      throw new ApiError('conflict', `audit ${auditId} has already finished`);
    if (this.runner.activeJobs().some((j) => j.targetId === auditId))
      throw new ApiError('conflict', `audit ${auditId} is already running`);
    const last = this.store.jobs.latestFor(auditId);
    if (!last) throw new ApiError('not-found', `audit ${auditId} has no job to resume`);
    const params = last.params as AuditJobParams;
    this.store.audits.reopen(auditId);
    const job = await this.launch({ ...params, dbPath: this.store.path }, false);
    return { jobId: job.jobId, kind: 'audit', targetId: auditId };
  }

  /** `fresh`: a new audit, whose rows go again if its job refuses the input before any batch. */
  private async launch(params: AuditJobParams, fresh: boolean) {
    const auditId = params.auditId;
    const job = await this.runner.start('audit', params, { targetId: auditId });
    // A process that dies (or is killed) cannot mark its own audit: do it here, unless another
    // live job holds the audit (this one was refused its lease and changed nothing).
    job.done.catch((err: Error) => {
      const holder = this.store.leases.holder(auditId);
      if (holder && holder.jobId !== job.jobId) return;
      const rejected =
        fresh &&
        (err as { userError?: boolean }).userError === true &&
        this.store.auditBatches.count(auditId) === 0;
      if (rejected) {
        // Checks the job made before its first batch refused the input: no trace is left.
        this.store.transaction(() => {
          this.store.audits.remove(auditId);
          this.store.jobs.remove(job.jobId);
        });
        return;
      }
      const row = this.store.audits.find(auditId);
      if (row && (row.status === 'queued' || row.status === 'running')) {
        const durationMs = Date.now() - Date.parse(row.createdAt);
        // A job killed while cancelling could not store its partial result: store it here.
        if (
          err.name === 'JobCancelledError' &&
          savePartialOnCancel(this.store, auditId, durationMs)
        )
          return;
        this.store.audits.finish(auditId, {
          status: err.name === 'JobCancelledError' ? 'cancelled' : 'failed',
          durationMs: Date.now() - Date.parse(row.createdAt),
          error: err.message,
        });
      }
    });
    return job;
  }

  async cancel(auditId: string): Promise<void> {
    this.store.audits.get(auditId);
    const job = this.runner.activeJobs().find((j) => j.targetId === auditId);
    if (!job) throw new ApiError('conflict', `audit "${auditId}" is not running in this session`);
    await job.cancel();
  }

  list(filter: { modelId?: string; datasetId?: string; limit?: number } = {}): AuditSummary[] {
    return this.store.audits
      .list(filter)
      .map(({ suite: _s, batchSize: _b, workers: _w, reproducibility: _r, ...summary }) => summary);
  }

  get(id: string): AuditDetail {
    return this.store.auditDetail(id);
  }

  attackResults(id: string): AttackResultInfo[] {
    this.store.audits.get(id);
    return this.store.attackResults.list(id);
  }

  sampleOutcomes(input: SampleOutcomesInput): SampleOutcomesPage {
    this.store.audits.get(input.auditId);
    const o = this.store.outcomes.load(input.auditId);
    const keys = input.attackKeys ?? o.attacks.map((a) => a.key);
    const wc = this.worst(o, keys, true);
    const chosen = o.attacks.filter((a) => keys.includes(a.key));
    let rows = o.sampleIndices.map((_, i) => i);
    if (input.onlyFailures) rows = rows.filter((i) => chosen.some((a) => !a.correct[i]));
    const offset = input.offset ?? 0;
    const page = rows.slice(offset, offset + (input.limit ?? 100));
    return {
      total: rows.length,
      offset,
      samples: page.map((i) => ({
        sampleIndex: o.sampleIndices[i],
        label: o.labels[i],
        cleanPredicted: o.cleanPredicted[i],
        cleanCorrect: o.cleanCorrect[i],
        attacks: chosen.map((a) => ({
          attackKey: a.key,
          correct: a.correct[i],
          predicted: a.predicted[i],
          perturbationNorm: a.perturbationNorm[i],
        })),
        worstCaseCorrect: wc.perSample[i],
      })),
    };
  }

  worstCase(input: WorstCaseInput): WorstCaseResult {
    this.store.audits.get(input.auditId);
    const includeClean = input.includeClean ?? true;
    const r = this.worst(this.store.outcomes.load(input.auditId), input.attackKeys, includeClean);
    return {
      auditId: input.auditId,
      attackKeys: input.attackKeys,
      includeClean,
      robust: r.robust,
      total: r.total,
      accuracy: r.accuracy,
    };
  }

  gallery(input: GalleryInput): GalleryItem[] {
    this.store.audits.get(input.auditId);
    return this.store.gallery.list(input.auditId, input.attackKey, input.limit ?? -1);
  }

  private worst(o: Parameters<typeof worstCase>[0], keys: string[], includeClean: boolean) {
    try {
      return worstCase(o, keys, includeClean);
    } catch (err) {
      throw new ApiError('invalid-input', (err as Error).message, 'attackKeys');
    }
  }
}
