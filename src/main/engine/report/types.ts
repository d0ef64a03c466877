/**
 * Everything a robustness report shows, as plain data. The PDF, the `--json` export and the tests
 * all read this one shape; `loadReportData` fills it from a stored audit. Accuracies are fractions
 * in [0,1]; budgets are in the unit named beside them (pixel [0,1] for image space, latent units
 * for on-manifold attacks); times are milliseconds; dates are ISO 8601 strings.
 */
import type { BudgetUnit, Space } from '../attacks/types';

/** Bump when a field changes meaning; the JSON export carries it. */
export const REPORT_SCHEMA_VERSION = 1;

export interface ReportCount {
  /** Samples classified correctly. */
  correct: number;
  total: number;
  /** correct / total as stored by the audit, fraction in [0,1]. */
  accuracy: number;
}

export interface ReportAttackResult extends ReportCount {
  /** Stable attack id, e.g. "pgd-linf". */
  id: string;
  /** Display name, e.g. "PGD-50". */
  name: string;
  space: Space;
  /** Norm of the budget: "linf", "l2", "l1" or an attack-specific name. */
  norm: string;
  unit: BudgetUnit;
  /** Radius of the threat model (ε in image space, η in latent space), in `unit`. */
  eps: number;
  /** Step size per iteration, in `unit`. */
  stepSize?: number;
  steps?: number;
  restarts?: number;
  randomStart?: boolean;
  /** Seen attacks are the paper's threat models; unseen ones were not used in training. */
  seen: boolean;
  /** Whether this attack counts in the per-sample worst case. */
  inWorstCase: boolean;
  timeMs?: number;
  /** How the budget was scaled for this image size, when it was (e.g. L1/L2 totals). */
  budgetNote?: string;
  /** What an attack-specific unit measures, e.g. "px of displacement". */
  unitDetail?: string;
  /** The published setting in its own units, e.g. "ε = 128 in [0,255] units, 200 steps". */
  referenceNote?: string;
  /** Sanity flags raised on this attack, one short phrase each ("not converged: −2.6 pts …"). */
  notes?: string[];
}

export interface ReportSweepPoint {
  eps: number;
  /** Fraction in [0,1]. */
  accuracy: number;
  /** Counts, when the sweep stored them. */
  correct?: number;
  total?: number;
}

/** Accuracy of one attack at several budgets. */
export interface ReportSweep {
  attackId: string;
  attackName: string;
  norm: string;
  unit: BudgetUnit;
  /** Sorted by eps. */
  points: ReportSweepPoint[];
}

/** Several models against the same suite: the paper's Table 1–4 layout. */
export interface ReportComparison {
  title: string;
  caption?: string;
  /**
   * Whether the audits can be compared, computed from their settings (shared/comparability):
   * "the same attacks, budgets and samples" only when true, else what differs.
   */
  note?: string;
  /** Columns whose budget differs between the audits (or that some audit lacks), marked ≠. */
  differingColumns?: string[];
  /** Column labels, e.g. "Standard", "PGD-50", "Worst case". */
  columns: string[];
  rows: {
    model: string;
    /** Training method, e.g. "DMAT [PGD-5, OM-PGD-5]". */
    method?: string;
    /** The model this report is about. */
    isSubject?: boolean;
    /** The audit's suite, samples, seed and images, e.g. "quick · n = 200 · seed 0 · on-manifold". */
    settings?: string;
    /** Accuracies aligned with `columns`, fraction in [0,1]; null where not run. */
    accuracies: (number | null)[];
  }[];
}

/** Clean and per-sample worst-case accuracy of the samples of one true class. */
export interface ReportClassRow {
  className: string;
  total: number;
  cleanCorrect: number;
  worstCorrect: number;
}

/** 'not-run': the check did not apply to this audit (e.g. no sweep); never counted as passed. */
export interface ReportConfusion {
  /** "clean images" or "under PGD-50". */
  source: string;
  /** counts[true][predicted]. */
  counts: number[][];
}

export type SanitySeverity = 'fail' | 'warning' | 'pass' | 'info' | 'not-run';

/** One gradient-masking / evaluation-quality check. */
export interface ReportSanityFlag {
  code: string;
  severity: SanitySeverity;
  title: string;
  /** One sentence a reviewer can act on. */
  explanation: string;
}

export interface ReportImage {
  width: number;
  height: number;
  /** PNG file bytes. */
  png: Uint8Array;
}

/** One row of the gallery: a clean image, its adversarial version and their difference. */
export interface ReportGalleryItem {
  attackId: string;
  attackName: string;
  /** True class name. */
  label: string;
  cleanPrediction: string;
  adversarialPrediction: string;
  clean: ReportImage;
  adversarial: ReportImage;
  /** |x_adv − x| amplified by `differenceGain` for visibility. */
  difference: ReportImage;
  differenceGain: number;
  /** Measured ‖x_adv − x‖ in the attack's norm and unit. */
  perturbationNorm?: number;
}

export interface ReportChecksum {
  name: string;
  /** e.g. "sha256:…". */
  checksum: string;
  role?: string;
}

export interface ReportReproducibility {
  appVersion: string;
  backend: string;
  /** Named seeds, e.g. { audit: 1234, sampleOrder: 7 }. */
  seeds: Record<string, number>;
  /** Hash of the canonical suite configuration below. */
  configHash: string;
  /** The suite configuration as stored (printed in the appendix). */
  config: unknown;
  dataset: ReportChecksum;
  models: ReportChecksum[];
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  host?: string;
  /** Further facts the audit recorded (printed as they are). */
  extra?: Record<string, string | number>;
}

export interface ReportData {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** Title for the cover; a default one is used when absent. */
  title?: string;
  audit: {
    id: string;
    name?: string;
    status: string;
    createdAt: string;
  };
  model: {
    name: string;
    architecture?: string;
    method?: string;
    checksum?: string;
  };
  dataset: {
    name: string;
    split?: string;
    /** Samples evaluated. */
    samples: number;
    /** Whether the images are g(w) (on-manifold) or natural images. */
    imageSource?: 'on-manifold' | 'natural';
    /** How close g(w) is to the natural x on this split (projection quality, paper eq. 7). */
    projection?: { meanL1: number; meanPsnr: number };
  };
  /** When this report was generated. */
  generatedAt: string;
  clean: ReportCount;
  attacks: ReportAttackResult[];
  /** Per sample: robust only if every attack with inWorstCase left it correct. */
  worstCase: ReportCount & { attackIds: string[] };
  /** Per true class, from the per-sample outcomes; empty when not available. */
  perClass: ReportClassRow[];
  /**
   * Confusion matrices from the per-sample outcomes (rows: true class, columns: prediction):
   * on the clean images and under the strongest attack. Absent in older exports.
   */
  confusion?: ReportConfusion[];
  sweeps: ReportSweep[];
  comparisons: ReportComparison[];
  sanity: ReportSanityFlag[];
  gallery: ReportGalleryItem[];
  reproducibility: ReportReproducibility;
}
