/** Audits: the list, the open report, its gallery, and the models chosen for comparison. */
import { defineStore } from 'pinia';
import type {
  AuditDetail,
  AuditSummary,
  GalleryItem,
  JobEvent,
  StartAuditInput,
  SuiteInfo,
} from '@shared/api';
import { api } from '../lib/api';
import { useJobsStore } from './jobs';

export const useAuditsStore = defineStore('audits', {
  state: () => ({
    audits: [] as AuditSummary[],
    suites: [] as SuiteInfo[],
    currentId: null as string | null,
    current: null as AuditDetail | null,
    gallery: [] as GalleryItem[],
    /** Audits shown side by side in the comparison. */
    compareIds: [] as string[],
    compared: [] as AuditDetail[],
    /** The new-audit form, kept here so it survives switching screens. */
    form: {
      modelId: '',
      datasetId: '',
      suite: 'quick',
      samples: 200 as number | undefined,
      images: 'on-manifold' as 'on-manifold' | 'natural',
      seed: 0,
      budgets: 'dataset' as 'dataset' | 'preset',
      customPresets: [] as string[],
      /** Custom suite: ε (or η) and steps overriding a preset's, in its unit; empty keeps it. */
      customEps: {} as Record<string, number | ''>,
      customSteps: {} as Record<string, number | ''>,
      customStepSize: {} as Record<string, number | ''>,
      /** Custom suite: a sweep of one of its attacks, budgets separated by commas. */
      customSweepPreset: '',
      customSweepEps: '',
      customName: '',
    },
    wired: false,
  }),
  actions: {
    wire() {
      if (this.wired) return;
      this.wired = true;
      useJobsStore().listen((e) => this.onJobEvent(e));
    },
    onJobEvent(e: JobEvent) {
      if (e.kind !== 'audit') return;
      if (e.type === 'done' || e.type === 'error' || e.type === 'cancelled') {
        void this.loadList();
        if (e.targetId === this.currentId) void this.open(e.targetId);
      }
    },
    async loadList() {
      this.audits = await api().listAudits({ limit: 200 });
    },
    async loadSuites(force = false) {
      if (force || this.suites.length === 0) this.suites = await api().listSuites();
    },
    async open(id: string) {
      this.wire();
      if (id !== this.currentId) {
        this.current = null;
        this.gallery = [];
      }
      this.currentId = id;
      const detail = await api().getAudit({ id });
      if (this.currentId !== id) return;
      this.current = detail;
      if (detail.status === 'done') {
        this.gallery = await api().getGallery({ auditId: id, limit: 24 });
      }
    },
    /** A new audit of this model (and dataset): the form selects them, the open report closes. */
    prepare(modelId: string, datasetId?: string | null) {
      this.close();
      this.form.modelId = modelId;
      if (datasetId) this.form.datasetId = datasetId;
    },
    close() {
      this.currentId = null;
      this.current = null;
      this.gallery = [];
    },
    async start(input: StartAuditInput) {
      this.wire();
      const ref = await api().startAudit(input);
      await this.loadList();
      await this.open(ref.targetId);
      return ref;
    },
    async cancel(id: string) {
      await api().cancelAudit({ id });
      await this.loadList();
    },
    /** Continues a cancelled or interrupted audit from its finished attacks and batches. */
    async resume(id: string) {
      this.wire();
      const ref = await api().resumeAudit({ id });
      await this.loadList();
      await this.open(id);
      return ref;
    },
    async setCompare(ids: string[]) {
      this.compareIds = ids;
      this.compared = await Promise.all(ids.map((id) => api().getAudit({ id })));
    },
  },
});
