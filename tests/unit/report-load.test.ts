import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANITY_CHECKS } from '../../src/main/engine/audit/sanity';
import { CHECK_TITLES, configHashOf } from '../../src/main/engine/report/load';

describe('report input helpers', () => {
  it('has a title for every sanity check the audit engine runs', () => {
    for (const id of Object.values(SANITY_CHECKS)) expect(CHECK_TITLES[id], id).toBeDefined();
  });

  it('hashes a configuration independently of key order', () => {
    const a = { suite: { name: 'paper', attacks: [{ preset: 'fgsm', eps: 0.1 }] }, seed: 7 };
    const b = { seed: 7, suite: { attacks: [{ eps: 0.1, preset: 'fgsm' }], name: 'paper' } };
    expect(configHashOf(a)).toBe(configHashOf(b));
    const canonical = '{"seed":7,"suite":{"attacks":[{"eps":0.1,"preset":"fgsm"}],"name":"paper"}}';
    expect(configHashOf(a)).toBe(`sha256:${createHash('sha256').update(canonical).digest('hex')}`);
    // Array order is meaningful (attack order is the column order).
    const c = {
      ...a,
      suite: { ...a.suite, attacks: [...a.suite.attacks, { preset: 'pgd-50', eps: 0.1 }] },
    };
    const d = {
      ...a,
      suite: { ...a.suite, attacks: [{ preset: 'pgd-50', eps: 0.1 }, ...a.suite.attacks] },
    };
    expect(configHashOf(c)).not.toBe(configHashOf(d));
  });
});
