/**
 * Plain-vite build of the renderer for the browser mode (`dmat serve`). It is the same renderer
 * as in Electron (electron.vite.config.ts builds it into the same folder), so one build serves both.
 */
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { cspMetaPlugin } from './src/main/web/csp-meta-plugin';

export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  base: './',
  plugins: [vue(), cspMetaPlugin()],
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});
