/**
 * A stored audit beside the PyTorch references on the same images:
 *
 *   DMAT_HOME=… node bin/run-ts.mjs tests/cross-check/compare-audit.ts AUDIT_ID [KEY,KEY,…]
 *       [--option KEY.NAME=VALUE]…
 *
 * For every attack of the audit that has a reference (all but the latent ones and APGD-DLR, or
 * the keys given), it runs the reference with the budget the audit ran on exactly the audit's
 * images (g(w) or x, the same samples), and prints the audit's robust accuracy, the reference's,
 * and how many samples are robust only against the audit's attack. `--option Gabor.support=sparse`
 * changes a reference option (to reproduce variants). Needs PyTorch at DMAT_PYTHON or
 * /usr/bin/python3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { batches, disposeBatch } from '../../src/main/engine/data/batching';
import { prepareAudit } from '../../src/main/engine/audit/prepare';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { openStore } from '../../src/main/store/index';
import { databasePath } from '../../src/main/store/paths';
import { referenceAccuracy, referenceAttack, runReferences, writeImages } from './cross-check';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const overrides = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--option') overrides.set(args[++i].split('=')[0], args[i].split('=')[1]);
    else positional.push(args[i]);
  }
  const [auditId, keyList] = positional;
  if (!auditId) throw new Error('usage: compare-audit.ts AUDIT_ID [KEY,KEY,…] [--option K.N=V]');
  await initBackend();
  const store = openStore(databasePath());
  const audit = store.audits.get(auditId);
  const outcomes = store.outcomes.load(auditId);
  const prepared = await prepareAudit({
    modelPath: store.models.get(audit.modelId).path,
    datasetPath: store.datasets.get(audit.datasetId).path,
    suite: audit.suite,
    split: audit.split,
    images: audit.images,
    samples: audit.samples,
    seed: audit.seed,
    batchSize: audit.batchSize,
    galleryPerAttack: 0,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dmat-compare-'));
  try {
    const { plan, models } = prepared;
    if (plan.indices.join() !== outcomes.sampleIndices.join()) {
      throw new Error(`${auditId}: the samples chosen now differ from the audit's`);
    }
    const onManifold = audit.images === 'on-manifold';
    const b = batches(plan.dataset, {
      split: plan.split,
      batchSize: plan.indices.length,
      indices: plan.indices,
      onManifold,
      generator: models.generator,
    }).next().value!;
    const files = await writeImages(dir, onManifold ? b.gw! : b.x, b.y);
    disposeBatch(b);
    const wanted = keyList?.split(',');
    const attacks = plan.suite.attacks
      .filter((a) => (wanted ? wanted.includes(a.key) : a.attack.space === 'image'))
      .flatMap((a) => {
        try {
          return [referenceAttack(a)];
        } catch {
          return [];
        }
      })
      .map((r) => {
        const options = { ...r.options };
        for (const [k, v] of overrides) {
          const [key, name] = k.split('.');
          if (key === r.key) options[name] = Number.isNaN(Number(v)) ? v : Number(v);
        }
        return { ...r, options };
      });
    const ref = await runReferences(dir, {
      model: store.models.get(audit.modelId).path,
      ...files,
      seed: audit.seed,
      batch: audit.batchSize,
      attacks,
    });
    console.log(
      `audit ${auditId}: ${audit.modelName}, ${plan.indices.length} ${audit.images} images of ${audit.split}`,
    );
    console.log('attack        audit     reference  robust only against the audit’s attack');
    for (const r of attacks) {
      const column = outcomes.attacks.find((c) => c.key === r.key)!;
      const refCorrect = (ref[r.key] as { correct: boolean[] }).correct;
      const ours = column.correct.filter(Boolean).length / column.correct.length;
      const onlyOurs = column.correct.filter((ok, i) => ok && !refCorrect[i]).length;
      console.log(
        `${r.key.padEnd(12)}  ${(100 * ours).toFixed(1).padStart(5)} %   ` +
          `${(100 * referenceAccuracy(ref, r.key)).toFixed(1).padStart(5)} %    ${onlyOurs}` +
          (Object.keys(r.options ?? {}).length ? `   (${JSON.stringify(r.options)})` : ''),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    prepared.dispose();
    store.close();
    tf.disposeVariables();
  }
}

await main();
