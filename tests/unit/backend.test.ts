import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../../src/main/engine/runtime/backend';

describe('backend choice', () => {
  it('falls back past the native packages and names why', async () => {
    const r = await initBackend();
    expect(['wasm', 'tensorflow', 'cpu']).toContain(r.backend);
    expect(tf.getBackend()).toBe(r.backend);
    if (r.backend === 'wasm') {
      expect(r.skipped.map((s) => s.provider)).toEqual([
        '@tensorflow/tfjs-node-gpu',
        '@tensorflow/tfjs-node',
      ]);
      expect(r.skipped.every((s) => s.reason.length > 0)).toBe(true);
    }
    expect(describeBackend(r)).toMatch(/^backend: /);
  });
});
