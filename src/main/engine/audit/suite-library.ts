/**
 * Suites by name, as the API finds them: the built-in ones, then `<name>.json` in the app's
 * `resources/suites` and in the user's `$DMAT_HOME/suites`. The API never reads a file a caller
 * names by path: a page (or anything holding its token) could otherwise make it read any file.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { SuiteDefinition } from '../../../shared/api';
import { SUITE_NAME } from '../../../shared/api-schemas';
import { BUILTIN_SUITES, parseSuite, readSuiteFile, SuiteError } from './suites';

export type SuiteSource = 'builtin' | 'resources' | 'user';

export interface NamedSuite {
  /** What the API takes as `suite`: the built-in name or the file name without `.json`. */
  name: string;
  source: SuiteSource;
  /** The file it was read from (not for built-in suites). */
  file?: string;
  definition: SuiteDefinition;
}

export interface SuiteFolders {
  resources: string;
  user: string;
}

export const suiteFolders = (resourcesDir: string, home: string): SuiteFolders => ({
  resources: path.join(resourcesDir, 'suites'),
  user: path.join(home, 'suites'),
});

/** A suite definition given inline, or a suite found by name; paths are refused unread. */
export async function findSuite(
  ref: string | SuiteDefinition,
  folders: SuiteFolders,
): Promise<SuiteDefinition> {
  if (typeof ref !== 'string') return parseSuite(ref, 'suite');
  // Own properties only: a suite named "constructor" is a file name, not Object's prototype.
  if (Object.hasOwn(BUILTIN_SUITES, ref)) return BUILTIN_SUITES[ref];
  if (!SUITE_NAME.test(ref)) {
    throw new SuiteError(
      `suite "${ref}" is not a suite name: suites are found by name (built in, or <name>.json in ${folders.resources} or ${folders.user}); a suite file elsewhere is read by the command line (dmat audit --suite FILE.json) or opened in the app`,
      'suite',
      'suite',
    );
  }
  for (const dir of [folders.user, folders.resources]) {
    const file = path.join(dir, `${ref}.json`);
    if (existsSync(file)) return readSuiteFile(file);
  }
  const known = (await listNamedSuites(folders)).map((s) => s.name).join(', ');
  throw new SuiteError(`unknown suite "${ref}"; known suites: ${known}`, 'suite', 'suite');
}

/** Every suite the API can run by name. A file that does not parse is left out of the list. */
export async function listNamedSuites(folders: SuiteFolders): Promise<NamedSuite[]> {
  const out: NamedSuite[] = Object.entries(BUILTIN_SUITES).map(([name, definition]) => ({
    name,
    source: 'builtin',
    definition,
  }));
  const seen = new Set(out.map((s) => s.name));
  for (const [source, dir] of [
    ['user', folders.user],
    ['resources', folders.resources],
  ] as const) {
    const names = existsSync(dir) ? (await fs.readdir(dir)).filter((f) => f.endsWith('.json')) : [];
    for (const f of names.sort()) {
      const name = f.slice(0, -'.json'.length);
      if (!SUITE_NAME.test(name) || seen.has(name)) continue;
      const definition = await readSuiteFile(path.join(dir, f)).catch(() => undefined);
      if (!definition) continue;
      seen.add(name);
      out.push({ name, source, file: path.join(dir, f), definition });
    }
  }
  return out;
}
