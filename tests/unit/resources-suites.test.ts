import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSuite, resolveSuite } from '../../src/main/engine/audit/suites';

const DATASET = 'resources/om-fashion-mnist';
const SUITE = 'resources/suites/om-fashion-mnist.json';

describe('shipped suite for the embedded dataset', () => {
  it("audits the paper's columns at the budgets the dataset's manifest recommends", async () => {
    const manifest = JSON.parse(readFileSync(`${DATASET}/manifest.json`, 'utf8'));
    const { imageEps, latentEta } = manifest.threatModel;
    const suite = resolveSuite(await loadSuite(SUITE), manifest.imageShape, SUITE);
    const byKey = Object.fromEntries(suite.attacks.map((a) => [a.key, a]));
    for (const key of ['FGSM', 'FGSM-RS', 'PGD-50', 'MIA-50']) {
      expect(byKey[key].budget.eps).toBe(imageEps);
      expect(byKey[key].info.budget.unit).toBe('pixel [0,1]');
    }
    expect(byKey['PGD-50'].budget).toMatchObject({ stepSize: imageEps / 4, steps: 50 });
    // Both FGSM variants: plain (one step of ε, no start) and with a random start (step 1.25ε).
    expect(byKey.FGSM.options.randomStart).toBe(false);
    expect(byKey.FGSM.budget.stepSize).toBe(imageEps);
    expect(byKey['FGSM-RS'].options.randomStart).toBe(true);
    expect(byKey['FGSM-RS'].budget.stepSize).toBeCloseTo(1.25 * imageEps, 12);
    expect(byKey['OM-PGD-50'].budget).toMatchObject({ eps: latentEta, stepSize: latentEta / 4 });
    expect(byKey['OM-PGD-50'].info.budget.unit).toBe('latent');
    for (const unseen of ['Fog', 'Snow', 'Elastic', 'Gabor', 'JPEG', 'L2', 'L1']) {
      expect(byKey[unseen]).toBeDefined();
    }
    const [pgdSweep, omSweep] = suite.sweeps.map((sw) => Math.max(...sw.eps));
    expect(pgdSweep).toBeCloseTo(1.5 * imageEps, 12);
    expect(omSweep).toBeCloseTo(1.5 * latentEta, 12);
  });
});
