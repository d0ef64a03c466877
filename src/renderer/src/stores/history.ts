/** History: every run and audit, searchable. */
import { defineStore } from 'pinia';
import type { HistoryEntry, HistoryKind, JobStatus } from '@shared/api';
import { api } from '../lib/api';

export const useHistoryStore = defineStore('history', {
  state: () => ({
    text: '',
    kind: '' as HistoryKind | '',
    status: '' as JobStatus | '',
    entries: [] as HistoryEntry[],
    total: 0,
    loading: false,
  }),
  actions: {
    async search() {
      this.loading = true;
      try {
        const page = await api().searchHistory({
          ...(this.text.trim() ? { text: this.text.trim() } : {}),
          ...(this.kind ? { kind: this.kind } : {}),
          ...(this.status ? { status: this.status } : {}),
          limit: 200,
        });
        this.entries = page.entries;
        this.total = page.total;
      } finally {
        this.loading = false;
      }
    },
    async remove(entry: HistoryEntry) {
      await api().deleteHistoryEntry({ kind: entry.kind, id: entry.id });
      await this.search();
    },
  },
});
