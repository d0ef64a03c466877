/**
 * The store: one SQLite database, one module per table family. Multi-row writes that belong
 * together (an audit's results) go through one transaction here, so a reader never sees half.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { EnvironmentError, environmentProblem } from '../engine/files/environment';
import type { AttackResultInfo, AuditDetail, SanityFlag, SweepCurve } from '../../shared/api';
import type { PartialAuditResult } from '../engine/audit/partial';
import type { AuditOutcomes } from '../engine/audit/outcomes';
import { attackResultsTable } from './attack-results';
import { auditBatchesTable } from './audit-batches';
import { auditsTable } from './audits';
import { checkpointsTable } from './checkpoints';
import { openDatabase, type Db } from './database';
import { datasetsTable } from './datasets';
import { galleryTable, type GalleryImageRecord } from './gallery';
import { historyView } from './history';
import { jobsTable } from './jobs';
import { leasesTable } from './leases';
import { schemaVersion } from './migrate';
import { modelsTable } from './models';
import { databasePath } from './paths';
import { reportsTable } from './reports';
import { runMetricsTable } from './run-metrics';
import { runsTable } from './runs';
import { sampleOutcomesTable } from './sample-outcomes';
import { sanityFlagsTable } from './sanity-flags';
import { sweepsTable } from './sweeps';

export interface AuditResults {
  standardAccuracy: number;
  worstCaseAccuracy: number;
  durationMs: number;
  attacks: AttackResultInfo[];
  outcomes: AuditOutcomes;
  gallery?: GalleryImageRecord[];
  sanityFlags?: SanityFlag[];
  curves?: SweepCurve[];
  reproducibility?: Record<string, string | number>;
}

export class Store {
  readonly models;
  readonly datasets;
  readonly audits;
  readonly attackResults;
  readonly outcomes;
  readonly gallery;
  readonly sanityFlags;
  readonly sweeps;
  readonly runs;
  readonly runMetrics;
  readonly checkpoints;
  readonly reports;
  readonly jobs;
  readonly leases;
  readonly auditBatches;
  readonly history;

  constructor(
    readonly db: Db,
    readonly path: string,
  ) {
    this.models = modelsTable(db);
    this.datasets = datasetsTable(db);
    this.audits = auditsTable(db);
    this.attackResults = attackResultsTable(db);
    this.outcomes = sampleOutcomesTable(db);
    this.gallery = galleryTable(db);
    this.sanityFlags = sanityFlagsTable(db);
    this.sweeps = sweepsTable(db);
    this.runs = runsTable(db);
    this.runMetrics = runMetricsTable(db);
    this.checkpoints = checkpointsTable(db);
    this.reports = reportsTable(db);
    this.jobs = jobsTable(db);
    this.leases = leasesTable(db);
    this.auditBatches = auditBatchesTable(db);
    this.history = historyView(db);
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Run `write` in one transaction: all of its rows are stored, or none. */
  transaction<T>(write: () => T): T {
    return this.db.transaction(write)();
  }

  /** Everything an audit produced, in one transaction; the audit is marked done last. */
  saveAuditResults(auditId: string, r: AuditResults): void {
    this.db.transaction(() => {
      // A cancelled audit may have stored the attacks it finished: the full result replaces them.
      this.attackResults.clear(auditId);
      r.attacks.forEach((a, i) => this.attackResults.insert(auditId, i, a));
      this.outcomes.insert(auditId, r.outcomes);
      for (const g of r.gallery ?? []) this.gallery.insert(auditId, g);
      for (const f of r.sanityFlags ?? []) this.sanityFlags.insert(auditId, f);
      for (const c of r.curves ?? []) this.sweeps.insert(auditId, c);
      // Any earlier (partial) results go; the journal is no longer needed once results are in.
      this.auditBatches.clear(auditId);
      this.audits.finish(auditId, {
        status: 'done',
        standardAccuracy: r.standardAccuracy,
        worstCaseAccuracy: r.worstCaseAccuracy,
        durationMs: r.durationMs,
        reproducibility: r.reproducibility,
      });
    })();
  }

  /**
   * A cancelled audit's partial result: the clean accuracy and the attacks that finished on
   * every sample; no worst case (it needs every attack). The journal stays, for Resume.
   */
  savePartialAuditResults(
    auditId: string,
    p: PartialAuditResult,
    end: { durationMs: number; error: string },
  ): void {
    this.db.transaction(() => {
      this.attackResults.clear(auditId);
      for (const a of p.attacks) this.attackResults.insert(auditId, a.position, a.result);
      this.audits.finish(auditId, {
        status: 'cancelled',
        standardAccuracy: p.standardAccuracy,
        durationMs: end.durationMs,
        error: end.error,
      });
    })();
  }

  auditDetail(auditId: string): AuditDetail {
    const { batchSize: _b, workers: _w, ...summary } = this.audits.get(auditId);
    return {
      ...summary,
      attacks: this.attackResults.list(auditId),
      sanityFlags: this.sanityFlags.list(auditId),
      curves: this.sweeps.list(auditId),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Open (creating and migrating as needed) the store at `file`, default `$DMAT_HOME/dmat.sqlite`. */
export function openStore(file: string = databasePath()): Store {
  try {
    return new Store(openDatabase(file), file);
  } catch (err) {
    const problem = folderProblem(file) ?? environmentProblem(err);
    if (problem) throw new EnvironmentError(`cannot open the database ${file}: ${problem}`);
    throw err;
  }
}

/** Why the database's folder cannot be written (read-only, no permission), if it cannot. */
function folderProblem(file: string): string | undefined {
  if (file === ':memory:') return undefined;
  try {
    accessSync(dirname(file), constants.W_OK);
    return undefined;
  } catch (err) {
    return environmentProblem(err);
  }
}
