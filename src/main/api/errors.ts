/** Errors the API throws on purpose; `code` is what every face shows the user. */
import type { ApiErrorCode } from '../../shared/api';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = code === 'internal' ? 'ApiError' : 'UserError';
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

/** Re-label engine input errors as `invalid-input` so faces show them as the user's to fix. */
export function asApiError(err: unknown): unknown {
  if (err instanceof Error && INPUT_ERRORS.has(err.name)) {
    const e = new ApiError('invalid-input', err.message, (err as { field?: string }).field);
    e.stack = err.stack;
    return e;
  }
  return err;
}
