/** Errors the API throws on purpose; `code` is what every face shows the user. */
import type { ApiErrorCode } from '../../shared/api';
import { environmentProblem } from '../engine/files/environment';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name =
      code === 'internal' ? 'ApiError' : code === 'environment' ? 'EnvironmentError' : 'UserError';
  }
}

/** A call whose engine is not part of this build yet. */
export const notAvailable = (what: string) =>
  new ApiError('not-available', `${what} is not available in this version of DMAT Studio`);

/** Engine errors caused by the user's input (bad files, bad suites, wrong shapes). */
const INPUT_ERRORS = new Set([
  'SuiteError',
  'AuditInputError',
  'DataError',
  'ModelError',
  'AttackInputError',
  'UnknownAttackError',
  'UnknownAttackKeyError',
  'ReportInputError',
  'TrainingConfigError',
]);

/**
 * Re-label engine input errors as `invalid-input` (the user's to fix) and failures of the machine
 * as `environment`, so every face shows them as such.
 */
export function asApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && (INPUT_ERRORS.has(err.name) || err.name === 'UserError')) {
    const e = new ApiError('invalid-input', err.message, (err as { field?: string }).field);
    e.stack = err.stack;
    return e;
  }
  const environment = environmentProblem(err);
  if (environment) {
    const e = new ApiError('environment', environment);
    e.stack = (err as Error).stack;
    return e;
  }
  if (
    err instanceof Error &&
    err.name === 'JobFailedError' &&
    (err as { environment?: boolean }).environment
  ) {
    const e = new ApiError('environment', err.message);
    e.stack = err.stack;
    return e;
  }
  return err;
}
