/** Electron build: main process, sandboxed preload, and the Vue renderer. */
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { cspMetaPlugin } from './src/main/web/csp-meta-plugin';

const shared = fileURLToPath(new URL('./src/shared', import.meta.url));

export default defineConfig({
  main: {
    resolve: { alias: { '@shared': shared } },
    build: {
      outDir: 'out/main',
      // The job entry runs in Electron utility processes (see src/main/jobs/process-adapter.ts);
      // training replicas run as worker threads of a job (src/main/engine/parallel).
      rollupOptions: {
        input: {
          index: 'src/main/index.ts',
          job: 'src/main/jobs/entry.ts',
          replica: 'src/main/engine/parallel/replica-worker.ts',
        },
      },
    },
  },
  preload: {
    resolve: { alias: { '@shared': shared } },
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else (zod).
      externalizeDeps: false,
      // A sandboxed preload cannot require() local chunks: emit one self-contained CommonJS file.
      rollupOptions: {
        input: { index: 'src/preload/index.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    resolve: { alias: { '@shared': shared } },
    plugins: [vue(), cspMetaPlugin()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: 'src/renderer/index.html' } },
      chunkSizeWarningLimit: 1500,
    },
  },
});
