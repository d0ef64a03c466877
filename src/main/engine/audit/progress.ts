/**
 * Progress of an audit, possibly spread over several worker processes: each worker reports how
 * many of its samples are done in which phase (clean pass, then one phase per attack, then the
 * sweep points); this tracker turns that into one JobProgress with images/s and an ETA. Work is
 * weighted by the gradient steps of each phase, so a PGD-50 counts fifty times an FGSM.
 */
import type { JobProgress } from '../../../shared/api';

export interface AuditPhase {
  /** Label shown to the user: "clean", an attack key, or "PGD-50 @ ε=…". */
  label: string;
  /** Relative cost per sample (1 + gradient steps). */
  weight: number;
  /** True for phases that are attacks of the suite (counted in attacksDone). */
  isAttack: boolean;
}

/** What one worker reports after each batch. */
export interface PartProgress {
  phase: number;
  /** Samples of this worker done in `phase`. */
  samplesDone: number;
}

export class AuditProgressTracker {
  private readonly done: number[][];
  private readonly started: number;

  constructor(
    private readonly phases: readonly AuditPhase[],
    /** Samples per worker. */
    private readonly partSizes: readonly number[],
    private readonly now: () => number = Date.now,
  ) {
    this.done = partSizes.map(() => phases.map(() => 0));
    this.started = now();
  }

  update(part: number, p: PartProgress): JobProgress {
    const row = this.done[part];
    for (let i = 0; i < p.phase; i++) row[i] = this.partSizes[part];
    row[p.phase] = p.samplesDone;
    return this.snapshot();
  }

  /** Sample-phases done in one part so far. */
  partImages(part: number): number {
    return this.done[part].reduce((a, b) => a + b, 0);
  }

  snapshot(): JobProgress {
    const total = this.partSizes.reduce((a, b) => a + b, 0);
    const perPhase = this.phases.map((_, i) => this.done.reduce((s, row) => s + row[i], 0));
    let current = perPhase.findIndex((d) => d < total);
    if (current === -1) current = this.phases.length - 1;
    const attacks = this.phases.filter((p) => p.isAttack);
    const attacksDone = this.phases.filter((p, i) => p.isAttack && perPhase[i] >= total).length;
    const work = (i: number) => this.phases[i].weight;
    const workTotal = this.phases.reduce((s, _, i) => s + work(i) * total, 0);
    const workDone = perPhase.reduce((s, d, i) => s + work(i) * d, 0);
    const images = perPhase.reduce((a, b) => a + b, 0);
    const seconds = (this.now() - this.started) / 1000;
    // Rates over the first instants are noise: report them after half a second.
    const settled = seconds >= 0.5;
    const rate = workDone / Math.max(seconds, 1e-3);
    return {
      phase: this.phases[current].label,
      done: perPhase[current],
      total,
      unit: 'samples',
      attacksDone,
      attacksTotal: attacks.length,
      overall: workTotal > 0 ? Math.min(1, workDone / workTotal) : 0,
      imagesPerSecond: settled ? images / seconds : undefined,
      etaSeconds: settled && workDone > 0 ? (workTotal - workDone) / rate : undefined,
    };
  }
}
