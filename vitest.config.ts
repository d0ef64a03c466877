import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // Renderer component tests (tests/unit/renderer*.test.ts) mount .vue files in happy-dom,
  // chosen per file with a `@vitest-environment happy-dom` comment.
  plugins: [vue()],
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  test: {
    // tests/e2e drives headless Chromium against `dmat serve` (about a minute).
    include: [
      'tests/unit/**/*.test.ts',
      'tests/integration/**/*.test.ts',
      'tests/e2e/**/*.test.ts',
    ],
    // tfjs backends are process-global: one fork per file keeps tests isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
