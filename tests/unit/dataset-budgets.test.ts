import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  atDatasetBudgets,
  readDatasetThreatModel,
} from '../../src/main/engine/audit/dataset-budgets';
import { BUILTIN_SUITES, resolveSuite } from '../../src/main/engine/audit/suites';

const tm = { imageEps: 0.1, latentEta: 0.5 };

describe("a built-in suite at the dataset's threat model", () => {
  it('moves the L∞ image and latent attacks to the dataset budgets, steps in proportion', () => {
    const suite = atDatasetBudgets(BUILTIN_SUITES.quick, tm);
    const resolved = resolveSuite(suite, [28, 28, 1], 'quick');
    const byPreset = Object.fromEntries(resolved.attacks.map((a) => [a.preset.id, a.budget]));
    expect(byPreset.fgsm.eps).toBeCloseTo(0.1, 6);
    expect(byPreset.fgsm.stepSize).toBeCloseTo(0.1, 6);
    expect(byPreset['pgd-5'].eps).toBeCloseTo(0.1, 6);
    // PGD-5's preset step is 1/255 for ε = 4/255: a quarter of the budget.
    expect(byPreset['pgd-5'].stepSize).toBeCloseTo(0.025, 6);
    expect(byPreset['om-pgd-5'].eps).toBeCloseTo(0.5, 6);
    expect(byPreset['om-pgd-5'].stepSize).toBeCloseTo(0.125, 6);
    // The sweep goes from 0 to 1.5 times the dataset budget.
    expect(suite.sweeps![0].eps).toEqual([0, 0.025, 0.05, 0.1, 0.15]);
    expect(suite.description).toContain("dataset's threat model");
    // Named apart from the suite at the presets' budgets.
    expect(suite.name).toBe('quick (ε = 0.1, η = 0.5)');
  });

  it('keeps the unseen attacks at their reference settings, Gabor (L∞ pixels) included', () => {
    const suite = atDatasetBudgets(BUILTIN_SUITES.paper, tm);
    const resolved = resolveSuite(suite, [28, 28, 1], 'paper');
    const eps = Object.fromEntries(resolved.attacks.map((a) => [a.preset.id, a.budget.eps]));
    expect(eps.gabor).toBeCloseTo(12.5 / 255, 9);
    expect(eps.fog).toBeCloseTo(128 / 255, 9);
    expect(eps['pgd-50']).toBeCloseTo(0.1, 9);
    expect(eps['mia-50']).toBeCloseTo(0.1, 9);
    expect(eps['om-pgd-50']).toBeCloseTo(0.5, 9);
  });

  it('keeps attacks that set their own ε and attacks in other units as written', () => {
    const suite = atDatasetBudgets(
      {
        name: 's',
        attacks: [{ preset: 'pgd-5', eps: 0.03 }, { preset: 'fog' }, { preset: 'l2' }],
      },
      tm,
    );
    expect(suite.attacks).toEqual([
      { preset: 'pgd-5', eps: 0.03 },
      { preset: 'fog' },
      { preset: 'l2' },
    ]);
  });

  it('is the identity without a threat model', () => {
    expect(atDatasetBudgets(BUILTIN_SUITES.paper, {})).toBe(BUILTIN_SUITES.paper);
  });

  it("reads the manifest's threatModel and ignores what is not a positive number", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-'));
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ threatModel: { imageEps: 0.1, latentEta: -1, reason: 'why' } }),
    );
    expect(await readDatasetThreatModel(dir)).toEqual({ imageEps: 0.1, reason: 'why' });
    expect(await readDatasetThreatModel(path.join(dir, 'missing'))).toEqual({});
    const shipped = await readDatasetThreatModel(path.resolve('resources/om-fashion-mnist'));
    expect(shipped.imageEps).toBe(0.1);
    expect(shipped.latentEta).toBe(0.5);
  });
});
