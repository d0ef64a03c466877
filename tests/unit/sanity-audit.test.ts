/**
 * The sanity checks as an audit trust check: they read the audit's own images (on-manifold here)
 * and results, stay quiet on the fixture's normal classifier, and flag it once its gradient is
 * masked by a rounding input layer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { prepareAudit, type PreparedAudit } from '../../src/main/engine/audit/prepare';
import { runAuditPart } from '../../src/main/engine/audit/run-audit';
import { summariseAudit } from '../../src/main/engine/audit/summarise';
import { AUDIT_CHECKS, runAuditChecks } from '../../src/main/engine/audit/checks';
import { gradientMaskingChecks } from '../../src/main/engine/audit/sanity-audit-check';
import { SANITY_CHECKS } from '../../src/main/engine/audit/sanity';
import { auditFixture } from '../helpers/audit-fixtures';
import { CONVERGENCE_CHECKS, convergenceMeasures } from '../../src/main/engine/audit/convergence';

let audit: PreparedAudit;
let results: ReturnType<typeof summariseAudit>;

beforeAll(async () => {
  await initBackend();
  const fx = await auditFixture();
  audit = await prepareAudit({
    modelPath: fx.classifierFolder,
    datasetPath: fx.datasetFolder,
    suite: {
      name: 'sanity',
      attacks: [{ preset: 'pgd-5' }],
      sweeps: [{ preset: 'pgd-5', eps: [0, 2 / 255, 8 / 255] }],
    },
    split: 'test',
    images: 'on-manifold',
    samples: 64,
    seed: 3,
    batchSize: 32,
    galleryPerAttack: 0,
  });
  const part = await runAuditPart(audit.plan, audit.models);
  results = summariseAudit(audit.plan.suite, [part], { galleryPerAttack: 0, durationMs: 1 });
});

afterAll(() => audit?.dispose());

describe('gradient-masking checks in an audit', () => {
  it('are registered with the audit trust checks', () => {
    expect(AUDIT_CHECKS).toContain(gradientMaskingChecks);
  });

  it('raise nothing for the normally trained fixture classifier', async () => {
    const flags = await gradientMaskingChecks({ plan: audit.plan, models: audit.models, results });
    expect(flags).toEqual([]);
  });

  it('include the convergence check, which finds PGD-5 short of converged here', async () => {
    const flags = await runAuditChecks({ plan: audit.plan, models: audit.models, results });
    const flagged = flags.filter((f) => f.check === CONVERGENCE_CHECKS.notConverged);
    expect(flagged.map((f) => f.attackKey)).toEqual(['PGD-5']);
    const [m] = convergenceMeasures(audit.plan.suite, results.outcomes, results.convergence);
    expect(m).toMatchObject({ key: 'PGD-5', samples: 64, steps: 10, restarts: 3 });
    expect(m.dropPoints).toBeGreaterThan(1);
    expect(m.dropPoints).toBeCloseTo(100 * (m.baseAccuracy - m.strongerAccuracy), 9);
    // The audit's own column on those samples is the base of the comparison.
    expect(m.baseAccuracy).toBeCloseTo(results.attacks[0].accuracy, 9);
    expect(flagged[0].message).toContain(
      `PGD-5 not converged at ε = 4/255 ≈ 0.0157 [0,1] px: −${m.dropPoints.toFixed(1)} pts with 10 steps × 3 restarts`,
    );
    expect(flagged[0].details).toMatchObject({ dropPoints: m.dropPoints, samples: 64 });
  });

  it('flag the same classifier behind a rounding layer', async () => {
    const c = audit.models.classifier;
    const rounded = {
      ...c,
      logits: (x: tf.Tensor4D) =>
        tf.tidy(() => c.logits(tf.div(tf.round(tf.mul(x, 255)), 255) as tf.Tensor4D)),
    };
    const flags = await gradientMaskingChecks({
      plan: audit.plan,
      models: { ...audit.models, classifier: rounded },
      results,
    });
    expect(flags.map((f) => f.check)).toContain(SANITY_CHECKS.zeroGradients);
  });
});
