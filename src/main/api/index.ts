/**
 * The engine's one door: `createApi()` implements `DmatApi` over the store, the job runner and
 * the engine. Every call validates its input with the shared zod schemas and reports engine
 * input errors as `invalid-input`, so the IPC handlers, the HTTP server and the CLI can stay
 * one-line adapters.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  AppInfo,
  DatasetInfo,
  DatasetPreviewItem,
  DmatApi,
  DmatCallName,
  SuiteInfo,
  TrainingConfig,
  TrainingMethod,
} from '../../shared/api';
import { parseApiInput } from '../../shared/api-schemas';
import {
  hasThreatModel,
  readDatasetThreatModel,
  type DatasetThreatModel,
} from '../engine/audit/dataset-budgets';
import { listNamedSuites, suiteFolders } from '../engine/audit/suite-library';
import {
  BUILTIN_SUITES,
  describeSuite,
  listPresets,
  parseSuite,
  resolveSuite,
} from '../engine/audit/suites';
import { readDataset } from '../engine/data/dataset';
import { architectures } from '../engine/models/architectures/index';
import { appVersion } from '../engine/report/app-version';
import { encodePng } from '../engine/report/images';
import { initBackend, type BackendReport } from '../engine/runtime/backend';
import { REFERENCE_EPOCHS, REFERENCE_KNOTS, scaleKnots } from '../engine/training/schedule';
import { JobRunner } from '../jobs/runner';
import { openStore, type Store } from '../store/index';
import { processAlive } from '../store/leases';
import { appRoot, databasePath, dmatHome } from '../store/paths';
import { AuditService } from './audits';
import { exportModelAsOnnx } from './model-export';
import { ApiError, asApiError, notAvailable } from './errors';
import { Library } from './library';
import { RunService } from './runs';
import { readQueueStatus } from '../queue/status';

/** The embedded defaults shipped with the app. */
export const resourcesDir = () =>
  process.env.DMAT_RESOURCES_DIR ?? path.join(appRoot(), 'resources');

export interface ApiOptions {
  /** $DMAT_HOME (default: from the environment). */
  home?: string;
  store?: Store;
  runner?: JobRunner;
  resourcesDir?: string;
}

export interface DmatApiHandle extends DmatApi {
  readonly store: Store;
  readonly runner: JobRunner;
  readonly library: Library;
  /** Cancel running jobs and close the database. */
  close(): Promise<void>;
}

const MIME: Record<string, string> = { pdf: 'application/pdf', json: 'application/json' };

/** Peak learning rate for the small CNN: the reference 0.4 makes its loss blow up (docs/results.md). */
const SMALL_CNN_PEAK_LR = 0.05;

/** A dataset row with the threat model its manifest names (read from the folder, not stored). */
async function withThreatModel(d: DatasetInfo): Promise<DatasetInfo> {
  const tm = await readDatasetThreatModel(d.path);
  return hasThreatModel(tm) ? { ...d, threatModel: tm } : d;
}

/**
 * The paper's settings for a method (ALGORITHMS.md §4), on the dataset's architecture, with the
 * budgets the dataset recommends where it names them (steps of a quarter of the budget).
 */
function trainingDefaults(
  method: TrainingMethod,
  datasetId: string,
  imageShape?: number[],
  threat: DatasetThreatModel = {},
): TrainingConfig {
  const small = !imageShape || (imageShape[0] <= 32 && imageShape[2] === 1);
  const image = ['at', 'dmat', 'trades', 'dmat-trades'].includes(method);
  const latent = ['omat', 'dmat', 'dmat-trades'].includes(method);
  const trades = method === 'trades' || method === 'dmat-trades';
  const eps = threat.imageEps ?? 4 / 255;
  const epsStep = threat.imageEps ? eps / 4 : 1 / 255;
  const eta = threat.latentEta ?? 0.02;
  const etaStep = threat.latentEta ? eta / 4 : 0.005;
  return {
    method,
    datasetId,
    architecture: small ? 'small-cnn' : 'resnet-small',
    epochs: REFERENCE_EPOCHS,
    batchSize: 64,
    lrKnots: small
      ? scaleKnots(REFERENCE_KNOTS, REFERENCE_EPOCHS, { peak: SMALL_CNN_PEAK_LR })
      : REFERENCE_KNOTS.map((k) => ({ ...k })),
    momentum: 0.9,
    weightDecay: 5e-4,
    ...(image ? { imageAttack: { eps, stepSize: epsStep, steps: trades ? 10 : 5 } } : {}),
    ...(latent
      ? { latentAttack: { eps: eta, stepSize: etaStep, steps: 5, kind: 'om-pgd' as const } }
      : {}),
    ...(trades ? { tradesBeta: 6 } : {}),
    validationSamples: 500,
    seed: 0,
  };
}

/**
 * Jobs the database still calls running whose process is gone (the app was closed or killed
 * meanwhile): mark them and what they were writing as failed, so history tells the truth and
 * an interrupted run can be resumed.
 */
export function reapInterruptedJobs(store: Store): number {
  let reaped = 0;
  for (const job of store.jobs.list(true)) {
    const pid = store.jobs.pid(job.jobId);
    // A job being started has no pid yet: give it time before calling it lost.
    if (pid === null && Date.now() - Date.parse(job.startedAt) < 120_000) continue;
    if (processAlive(pid)) continue;
    const why = 'interrupted: the job process ended without reporting (app closed or killed)';
    const target =
      job.kind === 'audit'
        ? store.audits.find(job.targetId)
        : job.kind === 'train'
          ? store.runs.find(job.targetId)
          : undefined;
    // Adopt the job: its row ends as its audit or run did, or both end failed together.
    store.transaction(() => {
      if (target?.status === 'done' || target?.status === 'cancelled') {
        store.jobs.finish(job.jobId, target.status);
        return;
      }
      store.jobs.finish(
        job.jobId,
        'failed',
        target?.status === 'failed' ? (target.error ?? why) : why,
      );
      if (
        job.kind === 'audit' &&
        target &&
        (target.status === 'running' || target.status === 'queued')
      ) {
        store.audits.finish(target.id, {
          status: 'failed',
          durationMs: 0,
          error: `${why}; resume it with dmat audit --resume ${target.id}`,
        });
      } else if (
        job.kind === 'train' &&
        target &&
        (target.status === 'running' || target.status === 'queued')
      ) {
        store.runs.update(target.id, {
          status: 'failed',
          error: `${why}; resume it with dmat resume ${target.id}`,
        });
      }
    });
    reaped++;
  }
  return reaped;
}

export function createApi(opts: ApiOptions = {}): DmatApiHandle {
  const home = opts.home ?? dmatHome();
  const store = opts.store ?? openStore(databasePath(home));
  const runner = opts.runner ?? new JobRunner({ store });
  const library = new Library(store, home, opts.resourcesDir ?? resourcesDir());
  const suites = suiteFolders(opts.resourcesDir ?? resourcesDir(), home);
  const audits = new AuditService(store, runner, library, suites);
  const runs = new RunService(store, runner, library, home);
  reapInterruptedJobs(store);
  let backend: Promise<BackendReport> | undefined;
  let previewCache: { key: string; data: Awaited<ReturnType<typeof readDataset>> } | undefined;
  const getBackend = () => (backend ??= initBackend());

  const impl: DmatApi = {
    async getAppInfo(): Promise<AppInfo> {
      return {
        version: appVersion(),
        dataHome: home,
        databasePath: store.path,
        schemaVersion: store.schemaVersion,
        backend: await getBackend(),
        architectures: Object.entries(architectures).map(([id, a]) => ({
          id,
          name: a.name,
          description: a.description,
          suggestedInputShape: [...a.suggestedInputShape],
        })),
      };
    },
    getBackend: () => getBackend(),

    async listModels(input) {
      await library.ensureBuiltins();
      return store.models.list(input?.kind);
    },
    async getModel({ id }) {
      await library.ensureBuiltins();
      return store.models.get(id);
    },
    async importModel({ path: p, name, copy, preprocessing }) {
      await library.ensureBuiltins();
      if (store.models.findByPath(path.resolve(p))) {
        throw new ApiError('conflict', `${path.resolve(p)} is already in the library`, 'path');
      }
      return library.registerModel(p, {
        name,
        copy: copy ?? true,
        refuseDuplicate: true,
        preprocessing,
      });
    },
    async exportModel({ id, onnxPath, opset, overwrite }) {
      await library.ensureBuiltins();
      return exportModelAsOnnx(store.models.get(id), onnxPath, { opset, overwrite });
    },
    async removeModel({ id, deleteFiles }) {
      await library.remove('model', id, deleteFiles);
    },
    async listDatasets() {
      await library.ensureBuiltins();
      return Promise.all(store.datasets.list().map(withThreatModel));
    },
    async getDataset({ id }) {
      await library.ensureBuiltins();
      return withThreatModel(store.datasets.get(id));
    },
    async importDataset({ path: p, name, copy }) {
      await library.ensureBuiltins();
      if (store.datasets.findByPath(path.resolve(p))) {
        throw new ApiError('conflict', `${path.resolve(p)} is already in the library`, 'path');
      }
      return library.registerDataset(p, { name, copy: copy ?? true });
    },
    async removeDataset({ id, deleteFiles }) {
      await library.remove('dataset', id, deleteFiles);
    },
    async previewDataset({ datasetId, split, offset = 0, limit = 16 }) {
      const d = store.datasets.get(datasetId);
      // Paging through a split reads it once, not once per page.
      const key = `${d.path}\u0000${split}`;
      if (previewCache?.key !== key) {
        previewCache = { key, data: await readDataset(d.path, { splits: [split] }) };
      }
      const ds = previewCache.data;
      const s = ds.splits[split];
      const [h, w, c] = ds.manifest.imageShape;
      const size = h * w * c;
      const out: DatasetPreviewItem[] = [];
      for (let i = offset; i < Math.min(s.count, offset + limit); i++) {
        const x = Array.from(s.x.data.subarray(i * size, (i + 1) * size), (v) =>
          s.x.dtype === 'uint8' ? v / 255 : v,
        );
        out.push({
          index: i,
          label: s.y.data[i],
          natural: Buffer.from(encodePng(x, h, w, c).png).toString('base64'),
          onManifold: s.gw
            ? Buffer.from(
                encodePng(s.gw.data.subarray(i * size, (i + 1) * size), h, w, c).png,
              ).toString('base64')
            : null,
        });
      }
      return out;
    },
    async buildDataset() {
      throw notAvailable('Building datasets from the app (use `dmat dataset build`)');
    },

    async listAttackPresets() {
      return listPresets();
    },
    async listSuites(): Promise<SuiteInfo[]> {
      return (await listNamedSuites(suites)).map((s) => ({
        ...describeSuite(resolveSuite(s.definition, [28, 28, 1]), s.source === 'builtin'),
        name: s.name,
      }));
    },
    async saveSuite({ suite, overwrite }) {
      const def = parseSuite(suite, 'suite');
      const info = describeSuite(resolveSuite(def, [28, 28, 1]), false);
      if (Object.hasOwn(BUILTIN_SUITES, def.name)) {
        throw new ApiError(
          'conflict',
          `"${def.name}" is a built-in suite: choose another name`,
          'suite.name',
        );
      }
      // The name was checked against SUITE_NAME: the file stays inside the user's suite folder.
      const file = path.join(suites.user, `${def.name}.json`);
      await fs.mkdir(suites.user, { recursive: true });
      try {
        await fs.writeFile(file, `${JSON.stringify(def, null, 2)}\n`, {
          flag: overwrite ? 'w' : 'wx',
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ApiError(
            'conflict',
            `a suite named "${def.name}" is already saved (${file})`,
            'suite.name',
          );
        }
        throw err;
      }
      return { ...info, name: def.name };
    },
    async validateSuite({ suite }) {
      const def = parseSuite(suite, 'suite');
      return describeSuite(resolveSuite(def, [28, 28, 1]), false);
    },

    startAudit: (input) => audits.start(input),
    cancelAudit: ({ id }) => audits.cancel(id),
    resumeAudit: ({ id }) => audits.resume(id),
    async listAudits(input) {
      return audits.list(input);
    },
    async getAudit({ id }) {
      return audits.get(id);
    },
    async getAttackResults({ id }) {
      return audits.attackResults(id);
    },
    async getSampleOutcomes(input) {
      return audits.sampleOutcomes(input);
    },
    async worstCase(input) {
      return audits.worstCase(input);
    },
    async getGallery(input) {
      return audits.gallery(input);
    },

    async trainingDefaults({ method, datasetId }) {
      const d = datasetId ? await library.resolveDataset(datasetId) : undefined;
      return trainingDefaults(
        method,
        d?.id ?? '',
        d?.imageShape,
        await readDatasetThreatModel(d?.path),
      );
    },
    estimateTraining: ({ config }) => runs.estimate(config),
    startRun: ({ config, queue }) => runs.start(config, queue),
    cancelRun: ({ id }) => runs.cancel(id),
    resumeRun: ({ id, queue }) => runs.resume(id, queue),
    getQueueStatus: ({ queue }) => readQueueStatus(queue),
    async listRuns(input) {
      return runs.list(input);
    },
    async getRun({ id }) {
      return runs.get(id);
    },
    async getRunMetrics(input) {
      return runs.metrics(input);
    },

    // The PDF engine (ECharts, pdfkit) takes seconds to load: only when a report is asked for.
    exportReport: async (input) =>
      (await import('../engine/report/export')).exportReport(store, input),
    async listReports(input) {
      return store.reports.list(input?.auditId);
    },
    async getReportFile({ id }) {
      const r = store.reports.get(id);
      const bytes = await fs.readFile(r.path).catch(() => {
        throw new ApiError('not-found', `report file ${r.path} is missing`);
      });
      return {
        fileName: path.basename(r.path),
        mimeType: MIME[r.format],
        base64: bytes.toString('base64'),
      };
    },

    async searchHistory(input) {
      return store.history.search(input);
    },
    async deleteHistoryEntry({ kind, id }) {
      if (runner.activeJobs().some((j) => j.targetId === id)) {
        throw new ApiError('conflict', `${kind} "${id}" is still running; cancel it first`);
      }
      store.history.remove(kind, id);
    },

    async listJobs(input) {
      return store.jobs.list(input?.active);
    },
    async cancelJob({ jobId }) {
      const job = runner.get(jobId);
      if (!job) throw new ApiError('conflict', `job "${jobId}" is not running in this session`);
      await job.cancel();
    },
    onJobEvent: (listener) => runner.onEvent(listener),
  };

  // Every call: validate the input, run, and label engine input errors for the faces.
  const api = { ...impl } as DmatApi;
  for (const name of Object.keys(impl) as (keyof DmatApi)[]) {
    if (name === 'onJobEvent') continue;
    const call = impl[name as DmatCallName] as (i: unknown) => Promise<unknown>;
    (api as unknown as Record<string, (i: unknown) => Promise<unknown>>)[name] = async (
      input: unknown,
    ) => {
      const parsed = parseApiInput(name as DmatCallName, input);
      try {
        return await call(parsed);
      } catch (err) {
        throw asApiError(err);
      }
    };
  }
  return Object.assign(api, {
    store,
    runner,
    library,
    async close() {
      await runner.cancelAll();
      store.close();
    },
  });
}
