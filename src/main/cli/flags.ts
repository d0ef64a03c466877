/** Flag parsing shared by every CLI command: malformed input becomes one clear UserError line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from './command';

/**
 * parseArgs, strict. Its errors keep their codes, which the CLI's failure handling
 * (cli/failure.ts) rewrites into one line in the product's words.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
}

/** A numeric flag, or undefined when absent; a clear error naming the flag otherwise. */
export function numberFlag(
  raw: string | undefined,
  flag: string,
  o: { integer?: boolean; min?: number; positive?: boolean } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (
    !Number.isFinite(v) ||
    (o.integer && !Number.isInteger(v)) ||
    (o.min !== undefined && v < o.min) ||
    (o.positive && v <= 0)
  ) {
    const kind = o.positive ? 'a positive number' : o.integer ? 'an integer' : 'a number';
    const bound = o.min !== undefined ? ` ≥ ${o.min}` : '';
    throw new UserError(`${flag} must be ${kind}${bound}, got "${raw}"`);
  }
  return v;
}

/** An integer flag `--name` ≥ min, or the fallback when absent. */
export const intFlag = (raw: string | undefined, name: string, fallback: number, min = 0) =>
  numberFlag(raw, `--${name}`, { integer: true, min }) ?? fallback;

/** A positive number flag `--name`, or the fallback when absent. */
export const positiveFlag = (raw: string | undefined, name: string, fallback: number) =>
  numberFlag(raw, `--${name}`, { positive: true }) ?? fallback;
