/** Models and datasets in the library. */
import { defineStore } from 'pinia';
import type { DatasetInfo, ModelInfo } from '@shared/api';
import { api } from '../lib/api';

export const useLibraryStore = defineStore('library', {
  state: () => ({
    models: [] as ModelInfo[],
    datasets: [] as DatasetInfo[],
    loading: false,
    loaded: false,
  }),
  getters: {
    classifiers: (s) => s.models.filter((m) => m.kind === 'classifier'),
    generators: (s) => s.models.filter((m) => m.kind === 'generator'),
    modelById: (s) => (id: string | null | undefined) => s.models.find((m) => m.id === id) ?? null,
    datasetById: (s) => (id: string | null | undefined) =>
      s.datasets.find((d) => d.id === id) ?? null,
  },
  actions: {
    async load() {
      this.loading = true;
      try {
        // One after the other: the first call registers the embedded defaults, and a second
        // call racing it could answer before they are in.
        this.datasets = await api().listDatasets();
        this.models = await api().listModels();
        this.loaded = true;
      } finally {
        this.loading = false;
      }
    },
    async importModel(
      path: string,
      name?: string,
      preprocessing?: { mean?: number[]; std?: number[] },
    ) {
      const m = await api().importModel({
        path,
        ...(name ? { name } : {}),
        ...(preprocessing && (preprocessing.mean || preprocessing.std) ? { preprocessing } : {}),
      });
      await this.load();
      return m;
    },
    async importDataset(path: string, name?: string) {
      const d = await api().importDataset({ path, ...(name ? { name } : {}) });
      await this.load();
      return d;
    },
    async removeModel(id: string) {
      await api().removeModel({ id, deleteFiles: true });
      await this.load();
    },
    async removeDataset(id: string) {
      await api().removeDataset({ id, deleteFiles: true });
      await this.load();
    },
  },
});
