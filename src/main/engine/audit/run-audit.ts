/**
 * Running a suite over a dataset: a clean pass, then every attack over the samples in batches,
 * then the strength sweeps. The work is split into numbered batches of a fixed sample list and
 * every batch's randomness is seeded from (seed, attack, batch number) alone, so a worker that
 * runs a range of batches computes exactly what one process running them all would: the parts
 * merge into the same per-sample outcomes.
 */
import * as tf from '@tensorflow/tfjs';
import type { AuditImages } from '../../../shared/api';
import { attackWithRestarts } from '../attacks/restarts';
import { deriveSeed } from '../attacks/seeds';
import type { AttackBatch, AttackContext, AttackOptions, Budget } from '../attacks/types';
import { batches, disposeBatch, type Batch } from '../data/batching';
import type { Dataset } from '../data/dataset';
import { attackModels } from '../models/attack-view';
import type { Classifier, Generator } from '../models/types';
import type { AuditOutcomes } from './outcomes';
import type { AuditPhase, PartProgress } from './progress';
import type { ResolvedSuite, ResolvedSuiteAttack } from './suites';
import { galleryImage, GalleryPicker, type GalleryCandidate } from './gallery';
import type { AttackRecord, BatchJournal } from './journal';
import {
  convergenceChunks,
  convergenceTargets,
  CONVERGENCE,
  type ConvergenceTally,
} from './convergence';

export interface AuditPlan {
  dataset: Dataset;
  split: string;
  images: AuditImages;
  /** Split indices of the audited samples, ascending. */
  indices: number[];
  suite: ResolvedSuite;
  batchSize: number;
  seed: number;
  galleryPerAttack: number;
}

export interface AuditModels {
  classifier: Classifier;
  generator?: Generator;
}

/** Per-attack bookkeeping of one part, merged across parts by `summariseAudit`. */
export interface AttackTally {
  key: string;
  timeMs: number;
  correct: number;
  total: number;
  normSum: number;
  normMax: number;
}

export interface SweepTally {
  preset: string;
  eps: number;
  correct: number;
  total: number;
}

/** What one process computes for its batches. */
export interface AuditPart {
  outcomes: AuditOutcomes;
  attacks: AttackTally[];
  sweeps: SweepTally[];
  gallery: GalleryCandidate[];
  cleanTimeMs: number;
  /** Stronger settings of the iterative attacks on this part's share of the subset. */
  convergence: ConvergenceTally[];
}

export class AuditCancelledError extends Error {
  constructor() {
    super('audit cancelled');
    this.name = 'AuditCancelledError';
  }
}

/** An audit the data cannot support (e.g. latent attacks on a natural-only dataset). */
export class AuditInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}

/** Number of batches the plan's samples make. */
export function batchCount(plan: Pick<AuditPlan, 'indices' | 'batchSize'>): number {
  return Math.ceil(plan.indices.length / plan.batchSize);
}

/** Contiguous batch ranges for `workers` parts, as even as possible (empty parts dropped). */
export function partitionBatches(nBatches: number, workers: number): [number, number][] {
  const parts: [number, number][] = [];
  const n = Math.max(1, Math.min(workers, nBatches));
  for (let w = 0; w < n; w++) {
    const start = Math.floor((w * nBatches) / n);
    const end = Math.floor(((w + 1) * nBatches) / n);
    if (end > start) parts.push([start, end]);
  }
  return parts;
}

/** Samples a batch range covers. */
export function partIndices(plan: AuditPlan, range: [number, number]): number[] {
  return plan.indices.slice(range[0] * plan.batchSize, range[1] * plan.batchSize);
}

/**
 * The phases every part goes through, in order, with their relative cost. The convergence
 * phases run on a subset of `sampleCount` samples; their weight is scaled to it, and parts
 * report them in proportion to their own samples.
 */
export function auditPhases(suite: ResolvedSuite, sampleCount = Infinity): AuditPhase[] {
  const share = Math.min(1, CONVERGENCE.samples / Math.max(sampleCount, 1));
  return [
    { label: 'clean', weight: 1, isAttack: false },
    ...suite.attacks.map((a) => ({
      label: a.key,
      weight: 1 + (a.budget.steps ?? 1),
      isAttack: true,
    })),
    ...suite.sweeps.flatMap((s) =>
      s.eps.map((eps) => ({
        label: `${s.base.key} @ ${Number(eps.toPrecision(3))}`,
        weight: 1 + (s.base.budget.steps ?? 1),
        isAttack: false,
      })),
    ),
    ...convergenceTargets(suite)
      .filter((t) => t.counterpart < 0)
      .map((t) => ({
        label: `convergence: ${suite.attacks[t.attack].key}`,
        weight: share * (1 + t.setting.steps * (1 + (t.setting.restarts - 1) / 2)),
        isAttack: false,
      })),
  ];
}

function checkPlan(plan: AuditPlan, models: AuditModels): { needLatent: boolean } {
  const hasLatent = plan.suite.attacks.some((a) => a.attack.space === 'latent');
  const sweepLatent = plan.suite.sweeps.some((s) => s.base.attack.space === 'latent');
  const needLatent = hasLatent || sweepLatent || plan.images === 'on-manifold';
  const split = plan.dataset.splits[plan.split];
  const name = plan.dataset.folder ?? plan.dataset.manifest.name;
  if (!split) throw new AuditInputError(`${name}: no split "${plan.split}"`);
  if (needLatent && !split.w) {
    const why = hasLatent
      ? `the suite has latent-space attacks (${plan.suite.attacks
          .filter((a) => a.attack.space === 'latent')
          .map((a) => a.key)
          .join(', ')})`
      : 'on-manifold images were asked for';
    throw new AuditInputError(
      `${name}: split "${plan.split}" has no latent codes (a natural-only dataset), but ${why}; ` +
        'use --images natural and a suite without latent attacks',
    );
  }
  if ((hasLatent || sweepLatent) && !models.generator) {
    throw new AuditInputError(`${name}: latent-space attacks need the dataset's generator`);
  }
  const [h, w, c] = models.classifier.inputShape;
  const [dh, dw, dc] = plan.dataset.manifest.imageShape;
  if (h !== dh || w !== dw || c !== dc) {
    throw new AuditInputError(
      `model "${models.classifier.name}" takes ${h}×${w}×${c} images but dataset ${name} has ${dh}×${dw}×${dc}`,
    );
  }
  if (models.classifier.numClasses !== plan.dataset.manifest.numClasses) {
    throw new AuditInputError(
      `model "${models.classifier.name}" has ${models.classifier.numClasses} classes but dataset ${name} has ${plan.dataset.manifest.numClasses}`,
    );
  }
  return { needLatent };
}

const seedFor = (seed: number, stream: number, batch: number) =>
  deriveSeed(deriveSeed(seed, stream), batch);

/**
 * Run the plan over batches [range[0], range[1]) (all by default). `onProgress` is called after
 * every batch; `signal` is checked between batches.
 */
export async function runAuditPart(
  plan: AuditPlan,
  models: AuditModels,
  opts: {
    range?: [number, number];
    onProgress?: (p: PartProgress) => void;
    signal?: AbortSignal;
    /** Finished batches are read from it instead of recomputed, new ones written to it. */
    journal?: BatchJournal;
  } = {},
): Promise<AuditPart> {
  const journal = opts.journal;
  const { needLatent } = checkPlan(plan, models);
  const range = opts.range ?? [0, batchCount(plan)];
  const indices = partIndices(plan, range);
  const n = indices.length;
  // Attacks need input gradients only: the frozen views skip all weight-gradient work.
  const ctx: AttackContext = attackModels(models.classifier, models.generator);
  const iterate = () =>
    batches(plan.dataset, {
      split: plan.split,
      batchSize: plan.batchSize,
      indices,
      onManifold: needLatent,
      generator: models.generator,
    });
  const cleanImages = (b: Batch) => (plan.images === 'on-manifold' ? b.gw! : b.x);
  const check = async () => {
    // Tensor reads on a CPU backend resolve as microtasks, so without this a whole part would
    // run without a timer firing: no IPC message, cancel poll or queue-lock renewal between
    // batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) throw new AuditCancelledError();
  };

  // Clean pass: labels and clean predictions.
  const labels: number[] = [];
  const cleanPredicted: number[] = [];
  let cleanTimeMs = 0;
  let t0: number;
  let batchNo = range[0];
  for (const b of iterate()) {
    try {
      await check();
      let rec = journal?.get(0, batchNo);
      if (rec?.kind !== 'clean') {
        t0 = performance.now();
        const pred = tf.tidy(() =>
          tf.argMax(models.classifier.logits(cleanImages(b), { training: false }), 1),
        );
        const predicted = Array.from(await pred.data());
        pred.dispose();
        rec = {
          kind: 'clean',
          labels: Array.from(await b.y.data()),
          predicted,
          timeMs: performance.now() - t0,
        };
        journal?.put(0, batchNo, rec);
      }
      cleanPredicted.push(...rec.predicted);
      labels.push(...rec.labels);
      cleanTimeMs += rec.timeMs;
    } finally {
      disposeBatch(b);
    }
    batchNo++;
    opts.onProgress?.({ phase: 0, samplesDone: labels.length });
  }
  const cleanCorrect = labels.map((y, i) => cleanPredicted[i] === y);

  const attackBatch = (a: ResolvedSuiteAttack, b: Batch): AttackBatch =>
    a.attack.space === 'latent' ? { x: b.gw!, y: b.y, w: b.w } : { x: cleanImages(b), y: b.y };

  const outcomes: AuditOutcomes = {
    sampleIndices: indices,
    labels,
    cleanPredicted,
    cleanCorrect,
    attacks: [],
  };
  const tallies: AttackTally[] = [];
  const picker = new GalleryPicker(plan.galleryPerAttack);

  /** One attack on one batch: predictions, norms and the gallery images the picker wants. */
  const attackOneBatch = async (
    a: ResolvedSuiteAttack,
    ai: number,
    b: Batch,
    offset: number,
    batchNo: number,
  ): Promise<AttackRecord> => {
    const start = performance.now();
    const res = await attackWithRestarts(a.attack, ctx, attackBatch(a, b), a.budget, {
      ...a.options,
      seed: seedFor(plan.seed, ai + 1, batchNo),
    });
    try {
      const fooled = (i: number) =>
        cleanCorrect[offset + i] && res.predicted[i] !== labels[offset + i];
      const wanted = picker.wanted(
        a.key,
        b.indices.map((index, i) => ({ index, fooled: fooled(i) })),
      );
      const gallery: GalleryCandidate[] = [];
      if (wanted.length > 0) {
        const clean = attackBatch(a, b).x;
        const [cx, ax] = await Promise.all([clean.data(), res.xAdv.data()]);
        const [, h, w, c] = clean.shape;
        const size = h * w * c;
        for (const i of wanted) {
          const g = galleryImage({
            attackKey: a.key,
            sampleIndex: b.indices[i],
            label: labels[offset + i],
            cleanPredicted: cleanPredicted[offset + i],
            adversarialPredicted: res.predicted[i],
            perturbationNorm: res.perturbationNorm[i],
            fooled: fooled(i),
            clean: cx.subarray(i * size, (i + 1) * size),
            adversarial: ax.subarray(i * size, (i + 1) * size),
            shape: [h, w, c],
          });
          picker.add(g);
          gallery.push(g);
        }
      }
      return {
        kind: 'attack',
        predicted: [...res.predicted],
        perturbationNorm: [...res.perturbationNorm],
        timeMs: performance.now() - start,
        gallery,
      };
    } finally {
      tf.dispose([res.xAdv, ...(res.wAdv ? [res.wAdv] : [])]);
    }
  };

  for (const [ai, a] of plan.suite.attacks.entries()) {
    const col = {
      key: a.key,
      correct: [] as boolean[],
      predicted: [] as number[],
      perturbationNorm: [] as number[],
    };
    let timeMs = 0;
    batchNo = range[0];
    for (const b of iterate()) {
      try {
        await check();
        const offset = col.predicted.length;
        let rec = journal?.get(1 + ai, batchNo);
        if (rec?.kind === 'attack') {
          // Replay the picker's choices so later batches pick as an uninterrupted run would.
          picker.wanted(
            a.key,
            b.indices.map((index, i) => ({
              index,
              fooled: cleanCorrect[offset + i] && rec!.predicted[i] !== labels[offset + i],
            })),
          );
          for (const c of (rec as AttackRecord).gallery) picker.add(c);
        } else {
          rec = await attackOneBatch(a, ai, b, offset, batchNo);
          journal?.put(1 + ai, batchNo, rec);
        }
        const r = rec as AttackRecord;
        r.predicted.forEach((p, i) => {
          col.predicted.push(p);
          // Robust = right without the attack and under it (AutoAttack's convention): an
          // attack never counts as repairing a misclassified sample, so robust ≤ clean.
          col.correct.push(cleanCorrect[offset + i] && p === labels[offset + i]);
          col.perturbationNorm.push(r.perturbationNorm[i]);
        });
        timeMs += r.timeMs;
      } finally {
        disposeBatch(b);
      }
      batchNo++;
      opts.onProgress?.({ phase: 1 + ai, samplesDone: col.predicted.length });
    }
    outcomes.attacks.push(col);
    tallies.push({
      key: a.key,
      timeMs,
      correct: col.correct.filter(Boolean).length,
      total: n,
      normSum: col.perturbationNorm.reduce((s, v) => s + v, 0),
      normMax: col.perturbationNorm.reduce((m, v) => Math.max(m, v), 0),
    });
  }

  const sweeps = await runSweeps(
    plan,
    ctx,
    iterate,
    attackBatch,
    range,
    check,
    cleanCorrect,
    (phase, done) =>
      opts.onProgress?.({ phase: 1 + plan.suite.attacks.length + phase, samplesDone: done }),
    journal && {
      get: (phase, batch) => journal.get(1 + plan.suite.attacks.length + phase, batch),
      put: (phase, batch, r) => journal.put(1 + plan.suite.attacks.length + phase, batch, r),
    },
  );
  const convergence = await runConvergence(
    plan,
    ctx,
    attackBatch,
    cleanImages,
    range,
    needLatent,
    models,
    check,
    (phase, fraction) =>
      opts.onProgress?.({
        phase: 1 + plan.suite.attacks.length + countSweepPoints(plan) + phase,
        samplesDone: Math.round(fraction * n),
      }),
  );
  return { outcomes, attacks: tallies, sweeps, gallery: picker.all(), cleanTimeMs, convergence };
}

function countSweepPoints(plan: AuditPlan): number {
  return plan.suite.sweeps.reduce((s, w) => s + w.eps.length, 0);
}

/**
 * The stronger settings of the iterative attacks (convergence.ts) on the chunks of the subset
 * assigned to this part's batches; `progress(phase, fraction)` after each chunk.
 */
async function runConvergence(
  plan: AuditPlan,
  ctx: AttackContext,
  attackBatch: (a: ResolvedSuiteAttack, b: Batch) => AttackBatch,
  cleanImages: (b: Batch) => tf.Tensor4D,
  range: [number, number],
  needLatent: boolean,
  models: AuditModels,
  check: () => Promise<void>,
  progress: (phase: number, fraction: number) => void,
): Promise<ConvergenceTally[]> {
  const chunks = convergenceChunks(plan.indices.length, batchCount(plan)).filter(
    (c) => c.batch >= range[0] && c.batch < range[1],
  );
  const mine = chunks.reduce((s, c) => s + c.positions.length, 0);
  const targets = convergenceTargets(plan.suite).filter((t) => t.counterpart < 0);
  const out: ConvergenceTally[] = [];
  for (const [phase, t] of targets.entries()) {
    const a = plan.suite.attacks[t.attack];
    const tally: ConvergenceTally = { key: a.key, sampleIndices: [], correct: [] };
    let done = 0;
    for (const chunk of chunks) {
      const indices = chunk.positions.map((p) => plan.indices[p]);
      for (const b of batches(plan.dataset, {
        split: plan.split,
        batchSize: indices.length,
        indices,
        onManifold: needLatent,
        generator: models.generator,
      })) {
        try {
          await check();
          const clean = await cleanPredictions(ctx, cleanImages(b));
          const predicted = await attackedPredictions(ctx, a, attackBatch(a, b), t.setting.budget, {
            ...t.setting.options,
            seed: seedFor(plan.seed, 30_000 + t.attack, chunk.index),
          });
          const y = await b.y.data();
          tally.sampleIndices.push(...b.indices);
          predicted.forEach((p, i) => tally.correct.push(clean[i] === y[i] && p === y[i]));
        } finally {
          disposeBatch(b);
        }
      }
      done += chunk.positions.length;
      progress(phase, mine === 0 ? 1 : done / mine);
    }
    if (chunks.length === 0) progress(phase, 1);
    out.push(tally);
  }
  return out;
}

async function cleanPredictions(ctx: AttackContext, x: tf.Tensor4D): Promise<number[]> {
  const pred = tf.tidy(() => tf.argMax(ctx.classifier.logits(x, { training: false }), 1));
  try {
    return Array.from(await pred.data());
  } finally {
    pred.dispose();
  }
}

async function attackedPredictions(
  ctx: AttackContext,
  a: ResolvedSuiteAttack,
  batch: AttackBatch,
  budget: Budget,
  options: AttackOptions,
): Promise<number[]> {
  const res = await attackWithRestarts(a.attack, ctx, batch, budget, options);
  tf.dispose([res.xAdv, ...(res.wAdv ? [res.wAdv] : [])]);
  return res.predicted;
}

/** Accuracy at each budget of each sweep; a zero budget is the clean accuracy of those images. */
async function runSweeps(
  plan: AuditPlan,
  ctx: AttackContext,
  iterate: () => Iterable<Batch>,
  attackBatch: (a: ResolvedSuiteAttack, b: Batch) => AttackBatch,
  range: [number, number],
  check: () => Promise<void>,
  cleanCorrect: readonly boolean[],
  progress: (phase: number, done: number) => void,
  journal?: BatchJournal,
): Promise<SweepTally[]> {
  const out: SweepTally[] = [];
  let phase = 0;
  for (const [si, s] of plan.suite.sweeps.entries()) {
    const base = s.base;
    for (const [ei, eps] of s.eps.entries()) {
      const scale = base.budget.eps > 0 ? eps / base.budget.eps : 1;
      const budget = {
        ...base.budget,
        eps,
        stepSize: base.budget.stepSize !== undefined ? base.budget.stepSize * scale : undefined,
      };
      let correct = 0;
      let total = 0;
      let batchNo = range[0];
      for (const b of iterate()) {
        try {
          await check();
          let rec = journal?.get(phase, batchNo);
          if (rec?.kind !== 'sweep') {
            const start = performance.now();
            const computed =
              eps > 0
                ? await attackedPredictions(ctx, base, attackBatch(base, b), budget, {
                    ...base.options,
                    seed: seedFor(plan.seed, 10_000 + 100 * si + ei, batchNo),
                  })
                : await cleanPredictions(ctx, attackBatch(base, b).x);
            rec = { kind: 'sweep', predicted: computed, timeMs: performance.now() - start };
            journal?.put(phase, batchNo, rec);
          }
          const predicted = rec.predicted;
          const y = await b.y.data();
          predicted.forEach((p, i) => (correct += cleanCorrect[total + i] && p === y[i] ? 1 : 0));
          total += predicted.length;
        } finally {
          disposeBatch(b);
        }
        batchNo++;
        progress(phase, total);
      }
      out.push({ preset: s.preset, eps, correct, total });
      phase++;
    }
  }
  return out;
}
