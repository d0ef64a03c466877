/**
 * Errors for bad data files. They carry the file and, where known, the field, and their message
 * starts with the file so the user sees at once what to fix. `name` is "UserError" because that
 * is what every face (CLI, API) recognises as a user mistake rather than a crash.
 */
export class DataError extends Error {
  readonly file: string;
  readonly field?: string;

  constructor(file: string, message: string, field?: string) {
    super(`${file}${field ? ` (${field})` : ''}: ${message}`);
    this.name = 'UserError';
    this.file = file;
    this.field = field;
  }
}

/** A short human reason for a failed file read. */
export function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'file not found',
    EACCES: 'permission denied',
    EISDIR: 'is a folder, not a file',
  };
  return (code && reasons[code]) ?? `cannot read (${code ?? String(err)})`;
}
