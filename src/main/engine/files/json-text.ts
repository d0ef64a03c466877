/**
 * Reading JSON that a user supplied without ever quoting it back: V8's own messages echo the
 * start of the text ("Unexpected token 's', "secret…" is not valid JSON"), so a file named by
 * mistake (a key, /etc/shadow) would leak into an error a page or a log shows. The parse error is
 * located with jsonc-parser (VS Code's parser, strict mode) and reported as line and column only.
 */
import { promises as fs } from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: string };

/** Where and why `text` is not JSON, as "not valid JSON at line L, column C (reason)". */
function syntaxProblem(text: string): string {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return 'not valid JSON';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const reason = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `not valid JSON at line ${line}, column ${column} (${reason})`;
}

export function parseJsonText(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: syntaxProblem(text) };
  }
}

export type TextFileResult = { ok: true; text: string } | { ok: false; problem: string };

const READ_REASONS: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ELOOP: 'too many symbolic links',
};

/** A text file of at most `maxBytes`, checked before it is read (a 4 GB "suite" is refused unread). */
export async function readTextCapped(
  file: string,
  maxBytes: number,
  what: string,
): Promise<TextFileResult> {
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) return { ok: false, problem: READ_REASONS.EISDIR };
    if (stat.size > maxBytes) {
      return {
        ok: false,
        problem: `is ${formatBytes(stat.size)}; ${what} is at most ${formatBytes(maxBytes)}`,
      };
    }
    return { ok: true, text: await fs.readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return { ok: false, problem: READ_REASONS[code] ?? `cannot read (${code || 'unknown error'})` };
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(0)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}
