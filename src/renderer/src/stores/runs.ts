/** Training runs: the list, the one open in the monitor, and its live metrics. */
import { defineStore } from 'pinia';
import type { JobEvent, MetricPoint, RunDetail, RunSummary, TrainingConfig } from '@shared/api';
import type { AccuracyPoint, LossPoint } from '@shared/charts/training-curves';
import { api } from '../lib/api';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';
import { useLibraryStore } from './library';

export const useRunsStore = defineStore('runs', {
  state: () => ({
    runs: [] as RunSummary[],
    currentId: null as string | null,
    current: null as RunDetail | null,
    points: [] as MetricPoint[],
    /** Iterations per epoch of the open run (for fractional epochs on the loss chart). */
    stepsPerEpoch: null as number | null,
    wired: false,
  }),
  getters: {
    lossPoints(s): LossPoint[] {
      const lrByStep = new Map<number, number>();
      for (const p of s.points)
        if (p.scope === 'step' && p.name === 'lr') lrByStep.set(p.step, p.value);
      return s.points
        .filter((p) => p.scope === 'step' && p.name === 'loss')
        .map((p) => ({
          epoch: s.stepsPerEpoch ? p.step / s.stepsPerEpoch : p.epoch,
          loss: p.value,
          lr: lrByStep.get(p.step),
        }));
    },
    accuracyPoints(s): AccuracyPoint[] {
      const byEpoch = new Map<number, AccuracyPoint>();
      const keys: Record<string, 'clean' | 'pgd' | 'omPgd'> = {
        cleanAcc: 'clean',
        pgdAcc: 'pgd',
        omPgdAcc: 'omPgd',
      };
      for (const p of s.points) {
        const key = keys[p.name];
        if (p.scope !== 'epoch' || !key) continue;
        const row = byEpoch.get(p.epoch) ?? { epoch: p.epoch };
        row[key] = p.value;
        byEpoch.set(p.epoch, row);
      }
      return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
    },
    /** Latest value of each metric name. */
    latest(s): Record<string, number> {
      const out: Record<string, number> = {};
      for (const p of s.points) out[p.name] = p.value;
      return out;
    },
  },
  actions: {
    wire() {
      if (this.wired) return;
      this.wired = true;
      useJobsStore().listen((e) => this.onJobEvent(e));
    },
    onJobEvent(e: JobEvent) {
      if (e.kind !== 'train') return;
      if (e.type === 'metrics' && e.targetId === this.currentId) {
        this.points.push(...e.points);
        // An epoch ended: its checkpoint and counters are in the store now.
        if (e.points.some((p) => p.scope === 'epoch')) void this.refreshDetail(e.targetId);
      }
      if (e.type === 'done' || e.type === 'error' || e.type === 'cancelled') {
        void this.loadList();
        // A finished run saved its classifier into the library.
        if (e.type === 'done') void useLibraryStore().load();
        if (e.targetId === this.currentId) void this.open(e.targetId);
      }
      if (e.type === 'progress') {
        // Keep the list and the open run in step with the job without a round trip.
        for (const r of [this.runs.find((x) => x.id === e.targetId), this.current]) {
          if (!r || r.id !== e.targetId) continue;
          r.status = 'running';
          if (e.progress.epoch !== undefined && e.progress.epoch - 1 > r.epochsDone) {
            r.epochsDone = e.progress.epoch - 1;
          }
        }
      }
    },
    async loadList() {
      this.runs = await api().listRuns({ limit: 200 });
    },
    async open(id: string) {
      this.wire();
      const changed = id !== this.currentId;
      this.currentId = id;
      if (changed) {
        this.current = null;
        this.points = [];
      }
      const [detail, points] = await Promise.all([
        api().getRun({ id }),
        api().getRunMetrics({ runId: id }),
      ]);
      if (this.currentId !== id) return;
      this.current = detail;
      this.points = points;
      this.stepsPerEpoch = await stepsPerEpoch(detail.config);
    },
    async refreshDetail(id: string) {
      const detail = await api().getRun({ id });
      if (this.currentId === id) this.current = detail;
      const i = this.runs.findIndex((r) => r.id === id);
      if (i >= 0) this.runs[i] = { ...this.runs[i], epochsDone: detail.epochsDone };
    },
    async start(config: TrainingConfig) {
      this.wire();
      const queue = useAppStore().queueUrl;
      const ref = await api().startRun({ config, ...(queue ? { queue } : {}) });
      await this.loadList();
      await this.open(ref.targetId);
      return ref;
    },
    async cancel(id: string) {
      await api().cancelRun({ id });
      await this.loadList();
      if (id === this.currentId) await this.open(id);
    },
    async resume(id: string) {
      const queue = useAppStore().queueUrl;
      await api().resumeRun({ id, ...(queue ? { queue } : {}) });
      await this.loadList();
      if (id === this.currentId) await this.open(id);
    },
  },
});

async function stepsPerEpoch(config: TrainingConfig): Promise<number | null> {
  let samples = config.samples;
  if (!samples) {
    try {
      const ds = await api().getDataset({ id: config.datasetId });
      samples = ds.splits.find((s) => s.name === 'train')?.count;
    } catch {
      return null;
    }
  }
  return samples ? Math.ceil(samples / config.batchSize) : null;
}
