/** Every schema migration, in order. Append new ones; never edit or renumber a shipped one. */
import type { Migration } from '../migrate';
import { libraryMigration } from './001-library';
import { auditsMigration } from './002-audits';
import { runsMigration } from './003-runs';
import { reportsJobsMigration } from './004-reports-jobs';
import { leasesBatchesMigration } from './005-leases-batches';
import { attackOptionsMigration } from './006-attack-options';

export const migrations: readonly Migration[] = [
  libraryMigration,
  auditsMigration,
  runsMigration,
  reportsJobsMigration,
  leasesBatchesMigration,
  attackOptionsMigration,
];
