import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    // tfjs backends are process-global: one fork per file keeps tests isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
