/**
 * How a failed command ends: one line on stderr and an exit code that says whose problem it is.
 *   2  bad input: the user's to fix (a file, a field, a flag)
 *   3  the environment failed: disk full or read-only, database locked, a job process died
 *   4  an internal error (a bug): DMAT_DEBUG=1 prints the stack
 * Messages from libraries (node:util's parseArgs, tfjs, JSON.parse) are rewritten into that one
 * line; no stack trace is printed unless DMAT_DEBUG=1.
 */
import { environmentProblem } from '../engine/files/environment';
import { EXIT } from './command';

export interface Failure {
  code: number;
  line: string;
}

const INPUT_NAMES = new Set([
  'UserError',
  'SuiteError',
  'AuditInputError',
  'DataError',
  'ModelError',
  'AttackInputError',
  'UnknownAttackError',
  'UnknownAttackKeyError',
  'ReportInputError',
  'TrainingConfigError',
  'NotFoundError',
  'ApiInputError',
  'ManifoldError',
  'SchemaVersionError',
]);

/** node:util parseArgs errors, in the product's words. */
function flagProblem(err: NodeJS.ErrnoException): string | undefined {
  const quoted = /'([^']+)'/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted?.split(' ')[0] ?? 'an option';
      if (/ambiguous/.test(err.message))
        return `${flag} needs a value; a value starting with "-" is written ${flag}=-1`;
      return /argument missing/.test(err.message)
        ? `${flag} needs a value`
        : `${flag} does not take a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? ''}"`;
    default:
      return undefined;
  }
}

/** The first line of a message, with whitespace runs collapsed and a sane length. */
export function oneLine(message: string): string {
  const first = message.split('\n').find((l) => l.trim().length > 0) ?? message;
  const line = first.replace(/\s+/g, ' ').trim();
  return line.length > 600 ? `${line.slice(0, 597)}…` : line;
}

export function describeFailure(err: unknown): Failure {
  const e = err instanceof Error ? err : new Error(String(err));
  const flags = flagProblem(e as NodeJS.ErrnoException);
  if (flags) return { code: EXIT.badInput, line: flags };
  const apiCode = (e as { code?: unknown }).code;
  if (apiCode === 'environment' || e.name === 'EnvironmentError')
    return { code: EXIT.environment, line: oneLine(e.message) };
  if ((e as { environment?: boolean }).environment)
    return { code: EXIT.environment, line: oneLine(e.message) };
  if (
    INPUT_NAMES.has(e.name) ||
    apiCode === 'invalid-input' ||
    apiCode === 'not-found' ||
    apiCode === 'conflict' ||
    apiCode === 'not-available'
  )
    return { code: EXIT.badInput, line: oneLine(e.message) };
  const environment = environmentProblem(e);
  if (environment) return { code: EXIT.environment, line: oneLine(environment) };
  return {
    code: EXIT.internal,
    line: `internal error: ${oneLine(e.message)} (DMAT_DEBUG=1 prints the details)`,
  };
}

export const debugEnabled = () => process.env.DMAT_DEBUG === '1';
