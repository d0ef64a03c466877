/**
 * Job kinds and their handlers, loaded lazily so a job process only imports what it runs.
 * Add a kind by adding one line here and one file beside this one.
 */
import type { JobHandler } from './messages';

type Loader = () => Promise<JobHandler<never>>;

export const JOB_HANDLERS: Record<string, Loader> = {
  audit: async () => (await import('./audit-job')).auditJob,
  'audit-part': async () => (await import('./audit-part-job')).auditPartJob,
  train: async () => (await import('./train-job')).trainJob,
  /** Diagnostic kind: echoes parameters, reports progress, fails or hangs on request. */
  probe: async () => (await import('./probe-job')).probeJob,
};
