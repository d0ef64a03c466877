/**
 * The New-run wizard: a draft TrainingConfig, the step the user is on, and the paper's defaults
 * for the chosen method (fetched from the engine, so the wizard never invents numbers).
 */
import { defineStore } from 'pinia';
import type { TrainingConfig, TrainingEstimate, TrainingMethod } from '@shared/api';
import { api } from '../lib/api';
import {
  validateTrainingDraft,
  WIZARD_STEPS,
  type FieldIssue,
  type WizardStep,
} from '../lib/wizard-validation';
import { useLibraryStore } from './library';

export const useWizardStore = defineStore('wizard', {
  state: () => ({
    stepIndex: 0,
    source: 'architecture' as 'architecture' | 'model',
    draft: null as TrainingConfig | null,
    /** Engine defaults for the current method: shown as "paper: …" hints. */
    defaults: null as TrainingConfig | null,
    estimate: null as TrainingEstimate | null,
    estimateError: '' as string,
    /** Steps the user tried to leave: their errors are shown from then on. */
    touched: [] as WizardStep[],
    starting: false,
  }),
  getters: {
    step: (s): WizardStep => WIZARD_STEPS[s.stepIndex].id,
    issues(s): FieldIssue[] {
      if (!s.draft) return [];
      const lib = useLibraryStore();
      return validateTrainingDraft(s.draft, {
        dataset: lib.datasetById(s.draft.datasetId),
        initModel: lib.modelById(s.draft.initModelId),
        source: s.source,
      });
    },
  },
  actions: {
    async init(datasetId?: string) {
      const lib = useLibraryStore();
      if (!lib.loaded) await lib.load();
      const ds =
        lib.datasetById(datasetId) ??
        lib.datasets.find((d) => d.kind === 'on-manifold' && d.generatorModelId) ??
        lib.datasets[0] ??
        null;
      await this.setMethod('dmat', ds?.id);
      this.stepIndex = 0;
      this.touched = [];
    },
    /** Switches method: takes the engine's defaults for it, keeping the user's data choices. */
    async setMethod(method: TrainingMethod, chosenDatasetId?: string) {
      const datasetId = chosenDatasetId ?? this.draft?.datasetId;
      const defaults = await api().trainingDefaults({
        method,
        ...(datasetId ? { datasetId } : {}),
      });
      const keep = this.draft;
      this.defaults = defaults;
      // A deep copy: editing the draft must never change the "paper" hints.
      this.draft = {
        ...(JSON.parse(JSON.stringify(defaults)) as TrainingConfig),
        datasetId: datasetId ?? defaults.datasetId ?? '',
        ...(keep && this.source === 'model' && keep.initModelId
          ? { initModelId: keep.initModelId, architecture: undefined }
          : {}),
        ...(keep && this.source === 'architecture' && keep.architecture
          ? { architecture: keep.architecture }
          : {}),
        ...(keep
          ? {
              epochs: keep.epochs,
              batchSize: keep.batchSize,
              samples: keep.samples,
              lrKnots: keep.lrKnots,
              validationSamples: keep.validationSamples,
              seed: keep.seed,
              replicas: keep.replicas,
              name: keep.name,
            }
          : {}),
      };
      void this.refreshEstimate();
    },
    setSource(source: 'architecture' | 'model') {
      this.source = source;
      if (!this.draft) return;
      if (source === 'architecture') {
        this.draft.initModelId = undefined;
        this.draft.architecture =
          this.draft.architecture ?? this.defaults?.architecture ?? 'small-cnn';
      } else {
        this.draft.architecture = undefined;
      }
    },
    stepHasErrors(step: WizardStep): boolean {
      return this.issues.some((i) => i.step === step && i.severity === 'error');
    },
    next() {
      if (!this.touched.includes(this.step)) this.touched.push(this.step);
      if (this.stepHasErrors(this.step)) return false;
      if (this.stepIndex < WIZARD_STEPS.length - 1) this.stepIndex++;
      if (this.step === 'review' || this.step === 'schedule') void this.refreshEstimate();
      return true;
    },
    back() {
      if (this.stepIndex > 0) this.stepIndex--;
    },
    goTo(index: number) {
      // Forward jumps only over steps without errors.
      for (let i = 0; i < index; i++) {
        if (this.stepHasErrors(WIZARD_STEPS[i].id)) {
          this.stepIndex = i;
          if (!this.touched.includes(WIZARD_STEPS[i].id)) this.touched.push(WIZARD_STEPS[i].id);
          return;
        }
      }
      this.stepIndex = index;
    },
    async refreshEstimate() {
      if (!this.draft || this.issues.some((i) => i.severity === 'error')) {
        this.estimate = null;
        return;
      }
      const config = cleanConfig(this.draft);
      try {
        const e = await api().estimateTraining({ config });
        this.estimate = e.totalSeconds === null ? null : e;
        this.estimateError = e.totalSeconds === null ? e.basis : '';
      } catch (e) {
        this.estimate = null;
        this.estimateError = (e as Error).message;
      }
    },
    /** The config as sent: without the fields the chosen method does not use. */
    finalConfig(): TrainingConfig | null {
      return this.draft ? cleanConfig(this.draft) : null;
    },
  },
});

/** Drops undefined and empty optional fields so the strict schema accepts the config. */
export function cleanConfig(cfg: TrainingConfig): TrainingConfig {
  const out = { ...cfg } as Record<string, unknown>;
  for (const k of Object.keys(out)) {
    if (out[k] === undefined || out[k] === null || out[k] === '') delete out[k];
  }
  return out as unknown as TrainingConfig;
}
