/**
 * Input schemas (zod 4) for every call of `DmatApi`. Main validates each payload with
 * `parseApiInput` before it reaches the engine; the renderer may reuse them for forms.
 * The `satisfies` clause makes the compiler check every schema against the interface.
 */
import { z } from 'zod';
import { formatCount, LIMITS } from './limits';
import type {
  ApiErrorPayload,
  DmatCallInput,
  DmatCallName,
  SuiteDefinition,
  TrainingConfig,
} from './api';

const id = z.string().min(1, 'expected a non-empty id');

/** A suite's name as the API takes it: never a path (suites are found by name, in known folders). */
export const SUITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;
const nonEmpty = z.string().min(1, 'expected a non-empty string');
const positiveInt = z.number().int('expected an integer').positive('expected a number > 0');
const nonNegativeInt = z.number().int('expected an integer').min(0, 'expected a number ≥ 0');
const finiteNonNegative = z.number().finite().min(0, 'expected a number ≥ 0');
const empty = z.strictObject({}).optional();
const optionValue = z.union([
  z.string().max(LIMITS.nameLength, `expected at most ${LIMITS.nameLength} characters`),
  z.number().finite(),
  z.boolean(),
]);
const name = nonEmpty.max(LIMITS.nameLength, `expected at most ${LIMITS.nameLength} characters`);

const split = z.enum(['train', 'test']);
const jobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
const trainingMethod = z.enum(['normal', 'at', 'omat', 'dmat', 'trades', 'dmat-trades']);

const steps = positiveInt.max(
  LIMITS.stepsPerAttack,
  `expected at most ${formatCount(LIMITS.stepsPerAttack)} steps per attack (the cap)`,
);

export const suiteAttackSpecSchema = z.strictObject({
  preset: name,
  label: name.optional(),
  eps: finiteNonNegative.optional(),
  stepSize: finiteNonNegative.optional(),
  steps: steps.optional(),
  options: z
    .record(z.string().max(LIMITS.nameLength), optionValue)
    .refine((o) => Object.keys(o).length <= 32, 'expected at most 32 options')
    .refine(
      (o) => typeof o.restarts !== 'number' || o.restarts <= LIMITS.restarts,
      `restarts: expected at most ${LIMITS.restarts} (the cap)`,
    )
    .optional(),
});

export const sweepSpecSchema = z.strictObject({
  preset: name,
  eps: z
    .array(finiteNonNegative)
    .min(1, 'expected at least one budget')
    .max(LIMITS.budgetsPerSweep, `expected at most ${LIMITS.budgetsPerSweep} budgets (the cap)`),
});

/** A suite as data; user JSON suite files are checked against this. */
export const suiteDefinitionSchema = z
  .strictObject({
    name,
    description: z.string().max(LIMITS.descriptionLength).optional(),
    attacks: z
      .array(suiteAttackSpecSchema)
      .min(1, 'a suite needs at least one attack')
      .max(LIMITS.attacksPerSuite, `expected at most ${LIMITS.attacksPerSuite} attacks (the cap)`),
    sweeps: z
      .array(sweepSpecSchema)
      .max(LIMITS.sweepsPerSuite, `expected at most ${LIMITS.sweepsPerSuite} sweeps (the cap)`)
      .optional(),
  })
  .superRefine((suite, ctx) => {
    const seen = new Map<string, number>();
    suite.attacks.forEach((a, i) => {
      const label = a.label ?? a.preset;
      const first = seen.get(label);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['attacks', i, a.label ? 'label' : 'preset'],
          message: `duplicate column "${label}" (also attacks.${first}); give one a distinct "label"`,
        });
      } else seen.set(label, i);
    });
  }) satisfies z.ZodType<SuiteDefinition>;

const budgetConfig = z.strictObject({
  eps: finiteNonNegative,
  stepSize: finiteNonNegative,
  steps,
});

export const trainingConfigSchema = z.strictObject({
  method: trainingMethod,
  datasetId: id,
  architecture: nonEmpty.optional(),
  width: z.number().positive().optional(),
  initModelId: id.optional(),
  name: z.string().max(LIMITS.nameLength).optional(),
  epochs: positiveInt.max(LIMITS.epochs, `expected at most ${LIMITS.epochs} epochs (the cap)`),
  batchSize: positiveInt.max(LIMITS.batchSize, `expected at most ${LIMITS.batchSize} (the cap)`),
  samples: positiveInt.max(LIMITS.samples).optional(),
  lrKnots: z
    .array(z.strictObject({ epoch: finiteNonNegative, value: finiteNonNegative }))
    .min(1, 'expected at least one learning-rate knot'),
  momentum: z.number().min(0).max(1),
  weightDecay: finiteNonNegative,
  imageAttack: budgetConfig.optional(),
  latentAttack: budgetConfig.extend({ kind: z.enum(['om-pgd', 'om-fgsm']).optional() }).optional(),
  tradesBeta: finiteNonNegative.optional(),
  validationSamples: nonNegativeInt,
  seed: nonNegativeInt,
  replicas: positiveInt.max(64).optional(),
}) satisfies z.ZodType<TrainingConfig>;

const removeInput = z.strictObject({ id, deleteFiles: z.boolean().optional() });
const idInput = z.strictObject({ id });
const queueUrl = z
  .string()
  .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
  .max(2000);

export const apiInputSchemas = {
  getAppInfo: empty,
  getBackend: empty,

  listModels: z.strictObject({ kind: z.enum(['classifier', 'generator']).optional() }).optional(),
  getModel: idInput,
  importModel: z.strictObject({
    path: nonEmpty,
    name: nonEmpty.optional(),
    copy: z.boolean().optional(),
    preprocessing: z
      .strictObject({
        inputRange: z.tuple([z.number(), z.number()]).optional(),
        mean: z.array(z.number()).min(1).max(4).optional(),
        std: z.array(z.number().positive()).min(1).max(4).optional(),
        channelOrder: z.enum(['rgb', 'bgr']).optional(),
      })
      .optional(),
  }),
  exportModel: z.strictObject({
    id: nonEmpty,
    onnxPath: nonEmpty,
    opset: z.number().int().min(13).max(17).optional(),
    overwrite: z.boolean().optional(),
  }),
  removeModel: removeInput,
  listDatasets: empty,
  getDataset: idInput,
  importDataset: z.strictObject({
    path: nonEmpty,
    name: nonEmpty.optional(),
    copy: z.boolean().optional(),
  }),
  removeDataset: removeInput,
  previewDataset: z.strictObject({
    datasetId: id,
    split,
    offset: nonNegativeInt.optional(),
    limit: positiveInt.max(256).optional(),
  }),
  buildDataset: z.strictObject({
    generatorModelId: id,
    imagesPath: nonEmpty,
    name: nonEmpty,
    steps: positiveInt.optional(),
    learningRate: z.number().positive().optional(),
    lambdaL1: finiteNonNegative.optional(),
    featureModelId: id.optional(),
    seed: nonNegativeInt.optional(),
  }),

  listAttackPresets: empty,
  listSuites: empty,
  validateSuite: z.strictObject({ suite: suiteDefinitionSchema }),
  saveSuite: z.strictObject({
    suite: suiteDefinitionSchema.refine((d) => SUITE_NAME.test(d.name), {
      message: 'a saved suite needs a file name: letters, digits, ".", "_", "-"',
      path: ['name'],
    }),
    overwrite: z.boolean().optional(),
  }),

  startAudit: z.strictObject({
    modelId: id,
    datasetId: id,
    suite: z.union([
      z
        .string()
        .regex(
          SUITE_NAME,
          'expected a suite name (letters, digits, ".", "_", "-"; no path) or a suite definition',
        ),
      suiteDefinitionSchema,
    ]),
    split: split.optional(),
    images: z.enum(['on-manifold', 'natural']).optional(),
    samples: positiveInt
      .max(LIMITS.samples, `expected at most ${formatCount(LIMITS.samples)} samples (the cap)`)
      .optional(),
    batchSize: positiveInt
      .max(LIMITS.batchSize, `expected at most ${LIMITS.batchSize} (the cap)`)
      .optional(),
    seed: nonNegativeInt.optional(),
    workers: positiveInt.max(64).optional(),
    queue: queueUrl.optional(),
    queueBackend: z.enum(['wasm', 'cpu', 'tensorflow']).optional(),
    galleryPerAttack: nonNegativeInt.max(64).optional(),
    budgets: z.enum(['dataset', 'preset']).optional(),
    sanityChecks: z.boolean().optional(),
  }),
  cancelAudit: idInput,
  resumeAudit: idInput,
  listAudits: z
    .strictObject({
      modelId: id.optional(),
      datasetId: id.optional(),
      limit: positiveInt.optional(),
    })
    .optional(),
  getAudit: idInput,
  getAttackResults: idInput,
  getSampleOutcomes: z.strictObject({
    auditId: id,
    offset: nonNegativeInt.optional(),
    limit: positiveInt.max(10_000).optional(),
    onlyFailures: z.boolean().optional(),
    attackKeys: z.array(nonEmpty).optional(),
  }),
  worstCase: z.strictObject({
    auditId: id,
    attackKeys: z.array(nonEmpty),
    includeClean: z.boolean().optional(),
  }),
  getGallery: z.strictObject({
    auditId: id,
    attackKey: nonEmpty.optional(),
    limit: positiveInt.optional(),
  }),

  trainingDefaults: z.strictObject({ method: trainingMethod, datasetId: id.optional() }),
  estimateTraining: z.strictObject({ config: trainingConfigSchema }),
  startRun: z.strictObject({ config: trainingConfigSchema, queue: queueUrl.optional() }),
  cancelRun: idInput,
  resumeRun: z.strictObject({ id, queue: queueUrl.optional() }),
  getQueueStatus: z.strictObject({ queue: queueUrl }),
  listRuns: z
    .strictObject({ status: jobStatus.optional(), limit: positiveInt.optional() })
    .optional(),
  getRun: idInput,
  getRunMetrics: z.strictObject({
    runId: id,
    scope: z.enum(['step', 'epoch']).optional(),
    names: z.array(nonEmpty).optional(),
    afterStep: z.number().int().optional(),
  }),

  exportReport: z.strictObject({
    auditIds: z.array(id).min(1, 'expected at least one audit id'),
    format: z.enum(['pdf', 'json']),
    title: z.string().max(LIMITS.nameLength).optional(),
  }),
  listReports: z.strictObject({ auditId: id.optional() }).optional(),
  getReportFile: idInput,

  searchHistory: z
    .strictObject({
      text: z.string().optional(),
      kind: z.enum(['audit', 'run']).optional(),
      status: jobStatus.optional(),
      limit: positiveInt.max(1000).optional(),
      offset: nonNegativeInt.optional(),
    })
    .optional(),
  deleteHistoryEntry: z.strictObject({ kind: z.enum(['audit', 'run']), id }),

  listJobs: z.strictObject({ active: z.boolean().optional() }).optional(),
  cancelJob: z.strictObject({ jobId: id }),
} satisfies { [K in DmatCallName]: z.ZodType<DmatCallInput<K>> };

/** Every request/response call, in one list (IPC and HTTP adapters register from it). */
export const DMAT_CALLS = Object.keys(apiInputSchemas) as DmatCallName[];

/** A rejected input: carries the field path so every face can name it. */
export class ApiInputError extends Error {
  readonly code = 'invalid-input' as const;
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
    this.name = 'ApiInputError';
  }
  toPayload(): ApiErrorPayload {
    return { code: this.code, message: this.message, field: this.field };
  }
}

/** Human form of a zod error: "field.path: what was expected" (first issue, plus a count). */
export function describeZodError(
  err: z.ZodError,
  root?: string,
): { message: string; field?: string } {
  const issue = err.issues[0];
  const field = [root, ...issue.path.map(String)].filter(Boolean).join('.') || undefined;
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem(s))` : '';
  return { message: `${field ? `${field}: ` : ''}${issue.message}${more}`, field };
}

/** Validate one call's input; throws ApiInputError naming the call and the field. */
export function parseApiInput<K extends DmatCallName>(name: K, input: unknown): DmatCallInput<K> {
  const schema = apiInputSchemas[name] as z.ZodType<DmatCallInput<K>>;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { message, field } = describeZodError(parsed.error);
  throw new ApiInputError(`${name}: ${message}`, field);
}
