/**
 * Job events from the engine: one subscription for the whole app. Keeps the latest progress per
 * target (audit or run) and forwards metrics and endings to whoever registered for them.
 */
import { defineStore } from 'pinia';
import type { JobEvent, JobProgress } from '@shared/api';
import { api } from '../lib/api';

type Listener = (e: JobEvent) => void;
const listeners = new Set<Listener>();
let unsubscribe: (() => void) | null = null;

export const useJobsStore = defineStore('jobs', {
  state: () => ({
    progress: {} as Record<string, JobProgress>,
    /** targetId → jobId of running jobs. */
    active: {} as Record<string, string>,
    logs: {} as Record<string, { level: string; message: string; at: string }[]>,
  }),
  getters: {
    activeCount: (s) => Object.keys(s.active).length,
  },
  actions: {
    start() {
      if (unsubscribe) return;
      unsubscribe = api().onJobEvent((e) => this.handle(e));
      void this.refreshActive();
    },
    async refreshActive() {
      const jobs = await api().listJobs({ active: true });
      const active: Record<string, string> = {};
      for (const j of jobs) {
        active[j.targetId] = j.jobId;
        if (j.progress) this.progress[j.targetId] = j.progress;
      }
      this.active = active;
    },
    handle(e: JobEvent) {
      if (e.type === 'progress') {
        this.progress[e.targetId] = e.progress;
        this.active[e.targetId] = e.jobId;
      } else if (e.type === 'log') {
        (this.logs[e.targetId] ??= []).push({ level: e.level, message: e.message, at: e.at });
      } else if (e.type === 'done' || e.type === 'error' || e.type === 'cancelled') {
        delete this.active[e.targetId];
      }
      listeners.forEach((l) => l(e));
    },
    /** Registers a listener for every job event; returns the unsubscribe function. */
    listen(l: Listener): () => void {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  },
});
