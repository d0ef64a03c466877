/**
 * Breakdowns of audits computed from stored rows: per-class accuracy and confusion matrices
 * from one audit's per-sample outcomes, and leaderboards that rank the audits sharing a suite
 * and a sample set by worst case (RobustBench-style). Pure functions for the screen and tests.
 */
import type { AuditSummary, SampleOutcome } from './api';
import { accuracyInterval, type AccuracyInterval } from './interval';

export interface ClassRow {
  label: number;
  total: number;
  cleanCorrect: number;
  worstCorrect: number;
}

/** Clean and worst-case correct counts per true class, classes 0…numClasses−1. */
export function perClass(samples: readonly SampleOutcome[], numClasses: number): ClassRow[] {
  const rows: ClassRow[] = Array.from({ length: numClasses }, (_, label) => ({
    label,
    total: 0,
    cleanCorrect: 0,
    worstCorrect: 0,
  }));
  for (const s of samples) {
    const row = rows[s.label];
    if (!row) continue;
    row.total += 1;
    if (s.cleanCorrect) row.cleanCorrect += 1;
    if (s.worstCaseCorrect) row.worstCorrect += 1;
  }
  return rows;
}

/**
 * Counts of (true class, predicted class): on the clean images (`source` "clean") or under one
 * attack (its key). Rows are true classes, columns predictions.
 */
export function confusionMatrix(
  samples: readonly SampleOutcome[],
  numClasses: number,
  source: string,
): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (const s of samples) {
    const predicted =
      source === 'clean'
        ? s.cleanPredicted
        : s.attacks.find((a) => a.attackKey === source)?.predicted;
    if (predicted === undefined || !m[s.label] || predicted < 0 || predicted >= numClasses)
      continue;
    m[s.label][predicted] += 1;
  }
  return m;
}

/** What audits must share to be ranked together: the suite and exactly the same samples. */
export const leaderboardKey = (a: AuditSummary) =>
  [a.suiteName, a.datasetName, a.split, a.images, a.samples, a.seed].join(' · ');

export interface LeaderboardRow {
  rank: number;
  audit: AuditSummary;
  worst: AccuracyInterval | null;
  clean: AccuracyInterval | null;
}

export interface Leaderboard {
  key: string;
  suiteName: string;
  samples: number;
  rows: LeaderboardRow[];
}

/** One board per suite and sample set, best worst case first; ties share a rank. */
export function leaderboards(audits: readonly AuditSummary[]): Leaderboard[] {
  const groups = new Map<string, AuditSummary[]>();
  for (const a of audits) {
    if (a.status !== 'done' || a.worstCaseAccuracy === null) continue;
    const key = leaderboardKey(a);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.entries()].map(([key, list]) => {
    const sorted = [...list].sort(
      (x, y) =>
        (y.worstCaseAccuracy ?? 0) - (x.worstCaseAccuracy ?? 0) ||
        (y.standardAccuracy ?? 0) - (x.standardAccuracy ?? 0),
    );
    let rank = 0;
    const rows = sorted.map((audit, i) => {
      const prev = sorted[i - 1];
      if (!prev || prev.worstCaseAccuracy !== audit.worstCaseAccuracy) rank = i + 1;
      return {
        rank,
        audit,
        worst: accuracyInterval(audit.worstCaseAccuracy, audit.samples),
        clean: accuracyInterval(audit.standardAccuracy, audit.samples),
      };
    });
    return { key, suiteName: list[0].suiteName, samples: list[0].samples, rows };
  });
}
