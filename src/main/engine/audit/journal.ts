/**
 * The journal of an audit in progress: what each finished (phase, batch) computed, kept as it
 * finishes so an interrupted or cancelled audit resumes at the first unfinished batch. Every batch
 * is seeded by (seed, attack, batch number) alone, so a resumed audit reaches exactly the
 * per-sample outcomes of one that ran through. Phase 0 is the clean pass, phases 1…A the suite's
 * attacks, then one phase per sweep budget.
 */
import type { GalleryCandidate } from './gallery';

export interface CleanRecord {
  kind: 'clean';
  labels: number[];
  predicted: number[];
  timeMs: number;
}

export interface AttackRecord {
  kind: 'attack';
  predicted: number[];
  perturbationNorm: number[];
  timeMs: number;
  /** Gallery candidates this batch contributed (the picker replays them in order). */
  gallery: GalleryCandidate[];
}

export interface SweepRecord {
  kind: 'sweep';
  predicted: number[];
  timeMs: number;
}

export type BatchRecord = CleanRecord | AttackRecord | SweepRecord;

export interface BatchJournal {
  get(phase: number, batch: number): BatchRecord | undefined;
  put(phase: number, batch: number, record: BatchRecord): void;
}

const PNG_FIELDS = ['cleanPng', 'adversarialPng', 'differencePng'] as const;

/** JSON text of a record (gallery PNGs as base64). */
export function encodeRecord(r: BatchRecord): string {
  if (r.kind !== 'attack') return JSON.stringify(r);
  const gallery = r.gallery.map((c) => ({
    fooled: c.fooled,
    record: {
      ...c.record,
      ...Object.fromEntries(
        PNG_FIELDS.map((f) => [f, Buffer.from(c.record[f]).toString('base64')]),
      ),
    },
  }));
  return JSON.stringify({ ...r, gallery });
}

export function decodeRecord(text: string): BatchRecord {
  const r = JSON.parse(text) as BatchRecord;
  if (r.kind !== 'attack') return r;
  for (const c of r.gallery) {
    const rec = c.record as unknown as Record<string, unknown>;
    for (const f of PNG_FIELDS) rec[f] = new Uint8Array(Buffer.from(rec[f] as string, 'base64'));
  }
  return r;
}
