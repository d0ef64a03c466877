/**
 * The gradient-masking sanity checks (sanity.ts) as one of the audit's trust checks: they look at
 * the model on the first samples of the audit, with the images the audit attacked, and at the
 * audit's per-attack results and sweep curves.
 */
import { batches, disposeBatch } from '../data/batching';
import type { AuditCheck } from './checks';
import { runSanityChecks } from './sanity';

/** Samples the model-level checks look at (enough for a share of zero gradients, cheap). */
export const SANITY_SAMPLES = 64;

export const gradientMaskingChecks: AuditCheck = async ({ plan, models, results }) => {
  const onManifold = plan.images === 'on-manifold';
  const indices = plan.indices.slice(0, SANITY_SAMPLES);
  if (indices.length === 0) return [];
  const it = batches(plan.dataset, {
    split: plan.split,
    batchSize: indices.length,
    indices,
    onManifold,
    generator: models.generator,
  });
  const first = it.next();
  if (first.done) return [];
  const b = first.value;
  try {
    const x = onManifold ? b.gw! : b.x;
    return await runSanityChecks(
      { classifier: models.classifier, generator: models.generator },
      { x, y: b.y },
      { attacks: results.attacks, curves: results.curves ?? [] },
      { seed: plan.seed },
    );
  } finally {
    disposeBatch(b);
  }
};
