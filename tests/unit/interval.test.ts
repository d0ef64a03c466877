import { describe, expect, it } from 'vitest';
import {
  accuracyInterval,
  formatInterval,
  isWide,
  wideIntervalNote,
  wilsonInterval,
} from '../../src/shared/interval';

describe('Wilson 95 % interval', () => {
  it('matches the closed form on known values', () => {
    // 34 of 50 (68 %): the textbook Wilson interval is [0.5419, 0.7924].
    const i = wilsonInterval(34, 50)!;
    expect(i.low).toBeCloseTo(0.5419, 3);
    expect(i.high).toBeCloseTo(0.7924, 3);
    expect(i.n).toBe(50);
    // 81 of 100: [0.7222, 0.8749].
    const j = wilsonInterval(81, 100)!;
    expect(j.low).toBeCloseTo(0.7222, 3);
    expect(j.high).toBeCloseTo(0.8749, 3);
  });

  it('stays inside [0,1] and is not empty at 0 % and 100 %', () => {
    const zero = wilsonInterval(0, 20)!;
    expect(zero.low).toBe(0);
    expect(zero.high).toBeGreaterThan(0.1);
    const all = wilsonInterval(20, 20)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeLessThan(0.9);
  });

  it('shrinks as n grows and contains the estimate', () => {
    let previous = Infinity;
    for (const n of [10, 50, 200, 1000, 10000]) {
      const i = wilsonInterval(Math.round(0.7 * n), n)!;
      expect(i.low).toBeLessThanOrEqual(0.7);
      expect(i.high).toBeGreaterThanOrEqual(0.7);
      expect(i.high - i.low).toBeLessThan(previous);
      previous = i.high - i.low;
    }
  });

  it('recovers the count from a stored fraction and has no interval without samples', () => {
    expect(accuracyInterval(0.68, 50)).toEqual(wilsonInterval(34, 50));
    expect(accuracyInterval(null, 50)).toBeNull();
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('notes intervals wider than ±5 points, with the n and the widest half-width', () => {
    const small = wilsonInterval(34, 50)!;
    const big = wilsonInterval(7000, 10000)!;
    expect(isWide(small)).toBe(true);
    expect(isWide(big)).toBe(false);
    expect(wideIntervalNote([big])).toBeNull();
    const note = wideIntervalNote([small, big])!;
    expect(note).toContain('50 samples');
    expect(note).toContain(`±${((100 * (small.high - small.low)) / 2).toFixed(1)} points`);
    expect(formatInterval(small)).toBe('54.2–79.2 %');
  });
});
