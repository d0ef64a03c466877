/**
 * Failures of the machine rather than of the user's input: a full or read-only disk, a locked or
 * damaged database, a job process that died, memory that ran out. Every face reports them as one
 * line with their own exit code (3), so a script can tell "fix your input" from "fix the machine".
 */
const ERRNO_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ENOMEM: 'out of memory',
};

const SQLITE_REASONS: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the database or its disk is full'],
  [/^SQLITE_READONLY/, 'the database is read-only (read-only folder or file)'],
  [/^SQLITE_(BUSY|LOCKED)/, 'the database is locked by another process'],
  [/^SQLITE_CANTOPEN/, 'the database cannot be opened (missing folder or no permission)'],
  [/^SQLITE_IOERR/, 'a disk input/output error in the database'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the database file is damaged'],
  [/^SQLITE_NOMEM/, 'out of memory'],
];

/** Marks an error as the environment's; its message is shown as it is. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** The machine's problem in words (with the path when known), or undefined for other errors. */
export function environmentProblem(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'EnvironmentError') return err.message;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e.code === 'string' ? e.code : '';
  const where = e.path ? ` (${e.path})` : '';
  if (ERRNO_REASONS[code]) return `${ERRNO_REASONS[code]}${where}`;
  for (const [re, reason] of SQLITE_REASONS) if (re.test(code)) return reason;
  if (err instanceof RangeError && /memory|allocat/i.test(err.message)) return 'out of memory';
  return undefined;
}
