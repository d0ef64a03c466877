/**
 * Paths named inside a model, dataset, generator or image folder stay inside that folder. A
 * manifest is input like any other: `../../etc/passwd`, an absolute path or a symbolic link out of
 * the folder would make a reader take someone else's bytes as weights, arrays or images.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Why `rel` may not be used inside `root`, or undefined when it may. */
export function escapeProblem(root: string, rel: string): string | undefined {
  if (typeof rel !== 'string' || rel.length === 0) return 'is empty';
  if (rel.includes('\0')) return 'contains a NUL character';
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel))
    return `"${rel}" is an absolute path; paths here are relative to the folder`;
  const base = path.resolve(root);
  const target = path.resolve(base, rel);
  if (!isInside(base, target)) return `"${rel}" leaves the folder ${base}`;
  if (!existsSync(target)) return undefined;
  const realBase = realpathSync(base);
  const realTarget = realpathSync(target);
  if (!isInside(realBase, realTarget))
    return `"${rel}" is a symbolic link out of the folder ${base}`;
  return undefined;
}

/** `rel` resolved inside `root`; otherwise the error `fail` makes of the problem. */
export function confinedPath(root: string, rel: string, fail: (problem: string) => Error): string {
  const problem = escapeProblem(root, rel);
  if (problem) throw fail(problem);
  return path.resolve(root, rel);
}

/** True when `target` is `base` or below it (both absolute and normalised). */
export function isInside(base: string, target: string): boolean {
  const rel = path.relative(base, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}
