import { describe, expect, it } from 'vitest';
import {
  formatAccuracy,
  formatBudget,
  formatDate,
  formatDuration,
  formatEps,
  formatPlain,
} from '../../src/main/engine/report/format';
import { drop } from '../../src/main/engine/report/sections/accuracy';
import { compactJson } from '../../src/main/engine/report/sections/appendix';

describe('report number formatting', () => {
  it('prints accuracies with two decimals and a percent unit, as the paper tables', () => {
    expect(formatAccuracy(0.3888)).toBe('38.88 %');
    expect(formatAccuracy(1)).toBe('100.00 %');
    expect(formatAccuracy(0)).toBe('0.00 %');
    expect(formatAccuracy(null)).toBe('—');
    expect(formatAccuracy(Number.NaN)).toBe('—');
  });

  it('prints image L∞ budgets as multiples of 1/255 and keeps the unit beside them', () => {
    expect(formatEps(4 / 255, 'pixel [0,1]', 'linf')).toBe('4/255');
    expect(formatEps(1 / 255, 'pixel [0,1]', 'linf')).toBe('1/255');
    expect(formatEps(128 / 255, 'pixel [0,1]', 'fog')).toBe('128/255');
    // Not a whole multiple of 1/255: the number itself.
    expect(formatEps(0.5 / 255, 'pixel [0,1]', 'linf')).toBe('0.001961');
    expect(formatEps(0.149, 'pixel [0,1]', 'l2')).toBe('0.149');
    // Latent budgets are never written over 255.
    expect(formatEps(2 / 255, 'latent', 'linf')).toBe('0.007843');
    expect(formatBudget(4 / 255, 'pixel [0,1]', 'linf')).toBe('4/255 pixel [0,1]');
    expect(formatBudget(0.02, 'latent', 'linf')).toBe('0.02 latent');
    expect(formatBudget(128, 'attack-specific', 'fog')).toBe('128 attack-specific');
  });

  it('keeps four significant digits and switches to exponents only for extreme values', () => {
    expect(formatPlain(0.002236)).toBe('0.002236');
    expect(formatPlain(1024)).toBe('1024');
    expect(formatPlain(1e-6)).toBe('1.000e-6');
    expect(formatPlain(0)).toBe('0');
  });

  it('prints durations in the largest sensible unit', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('prints dates in UTC whatever the local zone', () => {
    expect(formatDate('2026-11-24T21:15:42.123Z')).toBe('2026-11-24 21:15 UTC');
    expect(formatDate('2026-11-24T23:15:00+02:00')).toBe('2026-11-24 21:15 UTC');
  });
});

describe('configuration printing', () => {
  it('keeps small objects on one line and stays equivalent JSON', () => {
    const config = {
      suite: {
        name: 'paper',
        attacks: [{ preset: 'fgsm' }, { preset: 'pgd-50', label: 'PGD, 50 steps: L∞' }],
      },
      unit: 'pixel [0,1]',
      samples: 1000,
      nested: { deep: { deeper: Array.from({ length: 30 }, (_, i) => i) } },
    };
    const text = compactJson(config);
    expect(JSON.parse(text)).toEqual(config);
    expect(text).toContain('{ "preset": "pgd-50", "label": "PGD, 50 steps: L∞" }');
    expect(text).toContain('"unit": "pixel [0,1]"');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('change from clean accuracy', () => {
  it('signs the difference in percentage points and never prints −0.00', () => {
    expect(drop(0.925, 0.775)).toBe('−15.00 pts');
    expect(drop(0.5, 0.5125)).toBe('+1.25 pts');
    expect(drop(0.925, 0.925)).toBe('0.00 pts');
    expect(drop(0.92500001, 0.925)).toBe('0.00 pts');
  });
});
